import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployDirectory, deployLogLines, deploySummaryMarkdown } from "./index.js";

let received: { headers: Record<string, unknown>; entries: string[] } | undefined;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    received = {
      headers: request.headers,
      entries: Object.keys(unzipSync(new Uint8Array(Buffer.concat(chunks)))),
    };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        status: "success",
        data: {
          deployment: {
            repository: "me/site",
            environment: "production",
            targets: { static: { fileCount: 1 } },
          },
          url: "http://me.w7s.localhost:8787/site/",
        },
      }),
    );
  });
});
beforeAll(() => new Promise<void>((done) => server.listen(0, "127.0.0.1", done)));
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe("README example", () => {
  it("deploys examples/static-site and renders the answer", async () => {
    const port = (server.address() as AddressInfo).port;
    const outcome = await deployDirectory(resolve(import.meta.dirname, "../../../examples/static-site"), {
      deployUrl: `http://127.0.0.1:${port}/api/v1/deploy`,
      token: "local-operator-token",
      repository: "me/site",
      branch: "main",
      sha: "dev",
      environmentVariables: process.env,
    });
    expect(deployLogLines(outcome.answer)[0]).toBe("W7S deploy: success (HTTP 200)");
    expect(deploySummaryMarkdown(outcome.answer)).toContain("- URL: http://me.w7s.localhost:8787/site/");
    expect(received?.headers).toMatchObject({
      authorization: "Bearer local-operator-token",
      "x-github-repository": "me/site",
      "x-github-branch": "main",
      "x-github-sha": "dev",
      "content-type": "application/zip",
      "content-length": String(outcome.packaged.zip.byteLength),
    });
    expect(received?.entries).toContain("dist/index.html");
  });

  it("shows the code the test runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of [
      'const outcome = await deployDirectory("examples/static-site", {',
      'console.log(deployLogLines(outcome.answer).join("\\n")); // W7S deploy: success (HTTP 200) ...',
    ])
      expect(readme).toContain(line);
  });
});
