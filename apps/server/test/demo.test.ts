import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type DeployOutcome, demoUrlLines, deployExamples } from "../src/demo.js";
import { type RunningServer, startServer } from "../src/server.js";
import { deployFiles, isExcludedFromDeploy, zipDirectory } from "../src/zipDirectory.js";

const examples = resolve(import.meta.dirname, "../../../examples");

const get = (server: RunningServer, host: string, path: string) =>
  new Promise<{ status: number; body: string; environment: string | undefined }>((done, fail) => {
    request({ host: "127.0.0.1", port: server.port, path, headers: { host } }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () =>
        done({
          status: response.statusCode ?? 0,
          body,
          environment: response.headers["x-w7s-environment"] as string | undefined,
        }),
      );
    })
      .on("error", fail)
      .end();
  });

describe("deploy zips (J.3)", () => {
  it("excludes what the official action excludes", () => {
    expect(
      [
        "a/node_modules/x.js",
        "node_modules/x",
        ".git/HEAD",
        "dist/.vite/manifest.json",
        "a/b/c/node_modules/x.js",
        "src/.wrangler/t",
      ].map(isExcludedFromDeploy),
    ).toEqual([true, true, true, true, false, true]);
    expect(deployFiles(join(examples, "ts-backend"))).toEqual(
      expect.arrayContaining(["backend/index.ts", "backend/lib/greet.ts", "backend/lib/respond.ts"]),
    );
    expect(Object.keys(unzipSync(zipDirectory(join(examples, "static-site"))))).toContain("dist/index.html");
  });
});

describe("the embedded default with the examples deployed", () => {
  let server: RunningServer;
  let outcomes: DeployOutcome[];
  beforeAll(async () => {
    server = await startServer({
      ...DEFAULT_SETTINGS,
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "w7s-demo-")),
      deployToken: "demo-token",
    });
    outcomes = await deployExamples(
      server,
      "demo-token",
      examples,
      [{ example: "ts-backend", branch: "feature/hello" }],
      () => {},
    );
  }, 60_000);
  afterAll(() => server.close(1_000));

  it("deploys every example and prints both ways to reach it", () => {
    expect(outcomes.filter((outcome) => outcome.body.status !== "success")).toEqual([]);
    const lines = demoUrlLines(server, outcomes).join("\n");
    expect(lines).toContain(`http://demo.w7s.localhost:${server.port}/static-site/`);
    expect(lines).toContain(`curl -H 'Host: feature-hello--demo.w7s.localhost' ${server.url}/ts-backend/`);
  });

  it("answers as each example's code says", async () => {
    expect((await get(server, "demo.w7s.localhost", "/static-site/")).body).toContain("Served by W7S");
    expect(JSON.parse((await get(server, "demo.w7s.localhost", "/js-backend/hello")).body)).toMatchObject({
      message: "Hello from demo/js-backend",
      environment: "production",
    });
    expect(
      JSON.parse((await get(server, "demo.w7s.localhost", "/ts-backend/greet?name=Ada")).body),
    ).toMatchObject({
      message: "Hello, Ada!",
    });
    expect(JSON.parse((await get(server, "demo.w7s.localhost", "/fullstack/api/message")).body)).toEqual({
      message: "Hello from Hono in demo/fullstack (production)",
    });
    const spaRoute = await get(server, "demo.w7s.localhost", "/fullstack/about");
    expect({ status: spaRoute.status, spa: spaRoute.body.includes("Fullstack on W7S") }).toEqual({
      status: 200,
      spa: true,
    });
    const branch = await get(server, "feature-hello--demo.w7s.localhost", "/ts-backend/");
    expect({ environment: branch.environment, body: JSON.parse(branch.body) }).toMatchObject({
      environment: "feature-hello",
      body: { environment: "feature-hello" },
    });
  });
});
