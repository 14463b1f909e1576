/** A deploy as the official action makes it (J.3 steps 5-8): package the directory, then POST the zip with its headers. */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { deployUrlWithEnvironment } from "./endpoints.js";
import { type UploadProgress, uploadBytes } from "./http.js";
import type { ApiAnswer, DeployData, Envelope } from "./responses.js";
import { runtimeValueHeaders } from "./runtimeValues.js";
import { type PackagedDirectory, type PackagingProgress, packageDirectory } from "./zipDirectory.js";

/** What a deploy request says about the commit and who sends it. */
export interface DeployRequestOptions {
  readonly deployUrl: string;
  /** The `environment` override; sent URL-encoded as `?environment=` (never as `x-w7s-environment`). */
  readonly environment?: string | undefined;
  readonly token: string;
  /** `owner/repo`. */
  readonly repository: string;
  readonly branch: string;
  readonly sha: string;
  /** Extra comma-separated `vars` / `secrets` names (the action inputs). */
  readonly vars?: string | undefined;
  readonly secrets?: string | undefined;
  /** Where runtime values are looked up (the process environment). */
  readonly environmentVariables: Readonly<Record<string, string | undefined>>;
  readonly telegram?: { readonly chatId: string; readonly events: string } | undefined;
}

/** The headers of J.3 step 8, in the action's order; optional ones only when they have a value. */
export const deployHeaders = (
  options: DeployRequestOptions,
  values: { readonly "x-w7s-vars"?: string; readonly "x-w7s-secrets"?: string },
): Record<string, string> => ({
  authorization: `Bearer ${options.token}`,
  "x-github-repository": options.repository,
  "x-github-branch": options.branch,
  "x-github-sha": options.sha,
  "content-type": "application/zip",
  ...(values["x-w7s-vars"] === undefined ? {} : { "x-w7s-vars": values["x-w7s-vars"] }),
  ...(values["x-w7s-secrets"] === undefined ? {} : { "x-w7s-secrets": values["x-w7s-secrets"] }),
  ...(options.telegram === undefined || options.telegram.chatId === ""
    ? {}
    : {
        "x-w7s-telegram-chat-id": options.telegram.chatId,
        ...(options.telegram.events === "" ? {} : { "x-w7s-telegram-events": options.telegram.events }),
      }),
});

/** The text printed when the repository's CNAME is copied into the deploy directory (J.3 step 6). */
export const CNAME_COPIED_MESSAGE = "Copied repo-root CNAME into the deploy directory.";

/**
 * J.3 step 6: when `directory` has no `CNAME` and the workspace root has one, copy it in. Answers whether
 * it copied. An existing `CNAME` is never touched.
 */
export const copyWorkspaceCname = (directory: string, workspace: string | undefined): boolean => {
  if (workspace === undefined || workspace === "") return false;
  const target = join(directory, "CNAME");
  const source = join(workspace, "CNAME");
  if (existsSync(target) || !existsSync(source)) return false;
  copyFileSync(source, target);
  return true;
};

export interface DeployOutcome {
  readonly answer: ApiAnswer<Envelope<DeployData>>;
  readonly packaged: PackagedDirectory;
  /** The URL the request went to (with the environment query). */
  readonly requestUrl: string;
  readonly uploadMs: number;
}

/** Packages `directory` and deploys it. Throws `RuntimeValuesError` or `NetworkError`; server refusals are answers. */
export const deployDirectory = async (
  directory: string,
  options: DeployRequestOptions,
  progress: {
    readonly packaging?: (progress: PackagingProgress) => void;
    readonly upload?: (progress: UploadProgress) => void;
  } = {},
): Promise<DeployOutcome> => {
  const values = runtimeValueHeaders({
    directory,
    vars: options.vars,
    secrets: options.secrets,
    environment: options.environmentVariables,
  });
  const packaged = packageDirectory(directory, progress.packaging);
  const requestUrl = deployUrlWithEnvironment(options.deployUrl, options.environment);
  const started = Date.now();
  const answer = (await uploadBytes(
    requestUrl,
    deployHeaders(options, values),
    packaged.zip,
    progress.upload,
  )) as ApiAnswer<Envelope<DeployData>>;
  return { answer, packaged, requestUrl, uploadMs: Date.now() - started };
};
