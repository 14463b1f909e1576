import { strToU8, zipSync } from "fflate";

/** Deploys `files` (paths in the repository, text contents) as `repository` on `main`, with a deploy token. */
export const deployFiles = (
  baseUrl: string,
  token: string,
  repository: string,
  files: Record<string, string>,
  sha = "f".repeat(40),
): Promise<Response> =>
  fetch(`${baseUrl}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/zip",
      "x-github-repository": repository,
      "x-github-sha": sha,
      "x-github-branch": "main",
    },
    body: zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)]))),
  });
