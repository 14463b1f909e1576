import { createHash } from "node:crypto";
import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { deployApp } from "../src/deploy/deployApp.js";
import { defaultPlatformConfig, type PlatformConfig } from "../src/platformConfig.js";
import { UpstreamError } from "../src/ports/PortErrors.js";
import {
  appKey,
  type InjectedFailures,
  type MemoryWorld,
  makeMemoryWorld,
  memoryPorts,
} from "./memoryPorts.js";

const ENTRYPOINTS =
  "worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs";

const zip = (files: Record<string, string>): Uint8Array =>
  zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

const staticSite = { "dist/index.html": "<h1>hi</h1>", "dist/app.js": "console.log(1)" };
const backendApp = {
  "backend/index.ts":
    'import { greet } from "./lib/greet";\nexport default { fetch: (): Response => new Response(greet("w7s")) };',
  "backend/lib/greet.ts": 'export const greet = (name: string): string => "hi " + name;',
};

interface DeployInput {
  files?: Record<string, string>;
  body?: Uint8Array;
  headers?: Record<string, string | undefined>;
  query?: string;
}

const deployRequest = ({ files = staticSite, body, headers = {}, query = "" }: DeployInput = {}) => {
  const all: Record<string, string | undefined> = {
    authorization: "Bearer ghs_test",
    "content-type": "application/zip",
    "x-github-repository": "Acme/Site",
    "x-github-sha": "abc123",
    "x-github-branch": "main",
    ...headers,
  };
  const defined = Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return new Request(`http://w7s.localhost:8787/api/v1/deploy${query}`, {
    method: "POST",
    headers: defined,
    body: (body ?? zip(files)) as Uint8Array<ArrayBuffer>,
  });
};

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

const deploy = async (
  world: MemoryWorld,
  input: DeployInput = {},
  config: PlatformConfig = defaultPlatformConfig,
) => {
  const response = await Effect.runPromise(
    deployApp(deployRequest(input), config).pipe(Effect.provide(memoryPorts(world))),
  );
  return { status: response.status, body: (await response.json()) as Json };
};

const production = { environment: "production", orgSlug: "acme", repoSlug: "site" };

let world: MemoryWorld;
beforeEach(() => {
  world = makeMemoryWorld();
});

describe("B.2 deploy failures, first failing row wins", () => {
  // Every case below also sends an empty body (row 8) unless it tests row 8 or later, so an earlier row
  // answering proves it runs before the archive is read.
  const empty = new Uint8Array(0);
  it.each<[string, DeployInput, number, string]>([
    [
      "1 bearer token",
      { body: empty, headers: { authorization: undefined, "content-type": "text/plain" } },
      401,
      "Missing bearer token.",
    ],
    [
      "1 other scheme",
      { body: empty, headers: { authorization: "Basic abc" } },
      401,
      "Missing bearer token.",
    ],
    [
      "2 content type",
      { body: empty, headers: { "content-type": "text/plain", "x-github-sha": undefined } },
      415,
      "Deploy body must be an application/zip archive.",
    ],
    [
      "3 repository",
      { body: empty, headers: { "x-github-repository": undefined, "x-github-sha": undefined } },
      400,
      "Missing x-github-repository header.",
    ],
    [
      "3 sha",
      { body: empty, headers: { "x-github-sha": " ", "x-github-branch": undefined } },
      400,
      "Missing x-github-sha header.",
    ],
    [
      "3 branch",
      { body: empty, headers: { "x-github-branch": undefined, "x-github-repository": "bad" } },
      400,
      "Missing x-github-branch header.",
    ],
    [
      "4 owner/repo form",
      { body: empty, headers: { "x-github-repository": "acme/site/extra" } },
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "5 owner slug",
      { body: empty, headers: { "x-github-repository": "---/site" } },
      400,
      "Invalid repository owner.",
    ],
    [
      "5 repo slug",
      { body: empty, headers: { "x-github-repository": "acme/..." } },
      400,
      "Invalid repository name.",
    ],
  ])("row %s", async (_row, input, status, message) => {
    const answer = await deploy(world, input);
    expect(answer).toEqual({ status, body: { status: "error", error: message } });
    expect(world.verifyRequests).toEqual([]);
  });

  it("row 6: an invalid environment is refused before authorization", async () => {
    const answer = await deploy(world, { body: empty, headers: { "x-w7s-environment": "---" } });
    expect(answer.body).toEqual({ status: "error", error: "Invalid environment." });
    expect(world.verifyRequests).toEqual([]);
  });

  it("row 7: asks for deploy access to the raw owner/repo and refuses a no with 401", async () => {
    world.access = { granted: false };
    const answer = await deploy(world, { body: empty });
    expect(answer).toEqual({
      status: 401,
      body: { status: "error", error: "Bearer token is not authorized for this GitHub repository." },
    });
    expect(world.verifyRequests).toEqual([
      { token: "ghs_test", owner: "Acme", repo: "Site", access: "deploy" },
    ]);
  });

  it("row 7: an authority that cannot answer is a 502, not a 500 (DECISIONS 2)", async () => {
    world.access = new UpstreamError({
      operation: "RepoAuth.verify",
      reason: "Unavailable",
      description: "GitHub API answered 503",
    });
    const answer = await deploy(world, { body: empty });
    expect(answer).toEqual({
      status: 502,
      body: {
        status: "error",
        error: "Could not verify repository access with GitHub: GitHub API answered 503",
      },
    });
  });

  it("row 7: an OIDC token for another branch is a 403 (DECISIONS 3)", async () => {
    world.access = { granted: true, proof: "oidc", branch: "release" };
    const answer = await deploy(world, { body: empty });
    expect(answer).toEqual({
      status: 403,
      body: {
        status: "error",
        error: "x-github-branch main does not match the branch release the OIDC token was issued for.",
      },
    });
    world.access = { granted: true, proof: "oidc" };
    expect((await deploy(world)).body.error).toBe(
      "The OIDC token was not issued for a branch, so it cannot deploy branch main.",
    );
    world.access = { granted: true, proof: "oidc", branch: "main" };
    expect((await deploy(world)).status).toBe(200);
  });

  it.each<[string, DeployInput, string]>([
    ["empty body", { body: new Uint8Array(0), headers: { "x-w7s-vars": "!" } }, "Deploy archive is empty."],
    ["not a zip", { body: strToU8("hello") }, "Unable to read deploy archive: invalid zip"],
    [
      "zip slip",
      { files: { "../evil.js": "x", ...staticSite } },
      'Deploy archive entry "../evil.js" escapes the archive root.',
    ],
    [
      "bad manifest",
      { files: { ...staticSite, "w7s.json": "{" }, headers: { "x-w7s-vars": "!" } },
      "Invalid w7s.json: ",
    ],
    [
      "manifest field",
      { files: { ...staticSite, "w7s.json": '{"vars": [1]}' } },
      "vars[0] must be a valid environment variable name.",
    ],
    [
      "vars before secrets",
      { headers: { "x-w7s-vars": "!", "x-w7s-secrets": "!" } },
      "x-w7s-vars must be base64url-encoded JSON.",
    ],
    [
      "secrets",
      { headers: { "x-w7s-secrets": base64url({ KEY: 1 }) } },
      "x-w7s-secrets.KEY must be a string.",
    ],
    [
      "row 9 identity",
      {
        files: { ...staticSite, "w7s.json": '{"name":"console"}' },
        headers: { "x-w7s-application": "other" },
      },
      "x-w7s-application must match name in w7s.json.",
    ],
    [
      "row 14 nothing",
      { files: { "README.md": "# hi" } },
      "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
    ],
    [
      "row 14 native folder",
      { files: { "worker/README.md": "# hi" } },
      `Native backend deploy requires ${ENTRYPOINTS}.`,
    ],
    [
      "row 15",
      { files: { ...staticSite, "w7s.json": '{"routing":{"defaultDomain":false}}' } },
      "routing.defaultDomain=false requires at least one hostname in a CNAME file.",
    ],
    [
      "row 16 queues first",
      { files: { ...staticSite, "w7s.json": '{"workflows":["w"],"queues":["jobs"]}' } },
      "Queues require a native backend deployment.",
    ],
    [
      "row 16 email",
      { files: { ...staticSite, "w7s.json": '{"bindings":{"email":["MAIL"]}}' } },
      "Email bindings require a native backend deployment.",
    ],
    [
      "row 18 import",
      { files: { "backend/index.js": 'import { Hono } from "hono";\nexport default new Hono();' } },
      "Native deploy currently supports only relative imports inside backend/. Unsupported import: hono",
    ],
    [
      "row 18 resolve",
      {
        files: {
          "backend/index.js": 'import data from "./data.json";\nexport default data;',
          "backend/data.json": "{}",
        },
      },
      "Could not resolve ./data.json from backend/index.js.",
    ],
  ])("row 8+: %s", async (_case, input, message) => {
    const answer = await deploy(world, input);
    expect(answer.status).toBe(400);
    expect(answer.body.error.startsWith(message)).toBe(true);
    expect(world.switches).toEqual([]);
    expect(world.objects.size + world.backends.size).toBe(0);
  });

  it("row 8: a manifest error lists its issues with their paths", async () => {
    const answer = await deploy(world, { files: { ...staticSite, "w7s.json": '{"vars": [1]}' } });
    expect(answer.body.details.issues).toEqual([
      expect.objectContaining({ message: "vars[0] must be a valid environment variable name." }),
    ]);
  });

  it("row 17: every violated shape cap at once, skipped for exempt owners", async () => {
    const manifest = JSON.stringify({
      bindings: { kv: ["A", "B", "C", "D"], r2: ["E", "F", "G", "H"] },
    });
    const files = { ...backendApp, "w7s.json": manifest };
    const answer = await deploy(world, { files });
    expect(answer).toEqual({
      status: 400,
      body: {
        status: "error",
        error: "Deploy exceeds W7S free-tier shape limits.",
        details: {
          limits: [
            "w7s.json declares more than 3 KV bindings.",
            "w7s.json declares more than 3 R2 bindings.",
          ],
        },
      },
    });
    const exempt = { ...defaultPlatformConfig, limitExemptOwners: ["acme"] };
    expect((await deploy(world, { files }, exempt)).status).toBe(200);
  });

  it("row 18: a backend the runtime cannot load is a 400 and nothing stays published", async () => {
    world.failures.publish = "Rejected";
    const answer = await deploy(world, { files: { ...backendApp, ...staticSite } });
    expect(answer).toEqual({
      status: 400,
      body: { status: "error", error: "The backend failed to load: SyntaxError: Unexpected token" },
    });
    expect([world.objects.size, world.manifests.size, world.switches.length]).toEqual([0, 0, 0]);
  });
});

describe("B.13 successful deploys", () => {
  it("static: publishes every file with its content type and sha256 etag, then switches", async () => {
    const answer = await deploy(world);
    expect(answer.status).toBe(200);
    const { deployment, url, deploymentWarnings } = answer.body.data;
    expect(url).toBe("http://acme.w7s.localhost:8787/site/");
    expect(deploymentWarnings).toBeUndefined();
    expect(deployment).toMatchObject({
      version: 1,
      orgSlug: "acme",
      repoSlug: "site",
      sourceRepoSlug: "site",
      application: "site",
      environment: "production",
      repository: "Acme/Site",
      branch: "main",
      commitSha: "abc123",
    });
    expect(Object.keys(deployment.targets)).toEqual(["static"]);
    expect(deployment).not.toHaveProperty("ai");
    const target = deployment.targets.static;
    expect(target).toMatchObject({ fileCount: 2, totalSize: 25, hasIndex: true });
    const manifest = world.manifests.get(target.manifestKey)!;
    expect(manifest.files["index.html"]).toEqual({
      path: "dist/index.html",
      r2Key: `${target.assetPrefix}/index.html`,
      contentType: "text/html; charset=utf-8",
      size: 11,
      etag: createHash("sha256").update("<h1>hi</h1>").digest("hex"),
    });
    expect(world.objects.get(`${target.assetPrefix}/app.js`)?.metadata.contentType).toBe(
      "application/javascript; charset=utf-8",
    );
    const current = world.deployments.get(appKey(production))!;
    expect(current.record).toEqual(deployment);
    expect(world.switches[0]).toMatchObject({ replaces: null, tokens: [], schedules: [] });
  });

  it("backend: transpiles TS with relative imports and injects the E.1 bindings in upload order", async () => {
    const answer = await deploy(world, {
      files: { ...backendApp, "w7s.json": '{"vars":["PUBLIC","MISSING"],"secrets":["KEY"]}' },
      headers: {
        "x-w7s-vars": base64url({ PUBLIC: "héllo", EXTRA: "x" }),
        "x-w7s-secrets": base64url({ KEY: "s3cret" }),
      },
    });
    expect(answer.status).toBe(200);
    const [bundle] = [...world.backends.values()];
    expect(bundle!.mainModule).toBe("index.ts");
    expect(bundle!.modules.map((module) => module.name)).toEqual(["index.ts", "lib/greet.ts"]);
    expect(bundle!.modules[0]!.content).toContain('from "./lib/greet.ts"');
    expect(bundle!.modules[1]!.content).not.toContain(": string");
    expect(bundle!.scriptName).toBe("acme--site--production--abc123");
    expect(bundle!.compatibilityDate).toBe(defaultPlatformConfig.defaultCompatibilityDate);
    expect(bundle!.bindings.map((binding) => `${binding.type}:${binding.name}`)).toEqual([
      "plain_text:PUBLIC",
      "plain_text:EXTRA",
      "secret_text:KEY",
      "platform_service:W7S_RPC",
      "secret_text:W7S_RPC_TOKEN",
      "plain_text:W7S_OWNER",
      "plain_text:W7S_REPO",
      "plain_text:W7S_REPOSITORY",
      "plain_text:W7S_ENVIRONMENT",
      "plain_text:W7S_SOURCE_REPOSITORY",
      "plain_text:W7S_APPLICATION",
      "plain_text:W7S_BRANCH",
      "plain_text:W7S_COMMIT_HASH",
      "plain_text:W7S_DEPLOYED_AT",
      "plain_text:GIT_BRANCH",
      "plain_text:GIT_COMMIT_HASH",
      "plain_text:DEPLOYED_AT",
      "platform_service:W7S_QUEUE",
      "secret_text:W7S_QUEUE_TOKEN",
      "platform_service:W7S_WORKFLOW",
      "secret_text:W7S_WORKFLOW_TOKEN",
      "platform_service:W7S_AI",
      "secret_text:W7S_AI_TOKEN",
      "platform_service:W7S_EVENTS",
      "secret_text:W7S_EVENTS_TOKEN",
    ]);
    const text = Object.fromEntries(
      bundle!.bindings.flatMap((binding) => ("text" in binding ? [[binding.name, binding.text]] : [])),
    );
    expect(text).toMatchObject({
      PUBLIC: "héllo",
      KEY: "s3cret",
      W7S_REPOSITORY: "acme/site",
      W7S_SOURCE_REPOSITORY: "Acme/Site",
      W7S_APPLICATION: "site",
      W7S_COMMIT_HASH: "abc123",
    });
    expect(text.W7S_RPC_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { deployment } = answer.body.data;
    expect(deployment.bindings).toEqual({ vars: ["PUBLIC", "EXTRA"], secrets: ["KEY"] });
    expect(deployment.ai).toEqual({ binding: "W7S_AI" });
    expect(deployment.rpc).toEqual({ binding: "W7S_RPC", allow: [] });
    expect(deployment.queue).toEqual({ binding: "W7S_QUEUE", allow: [], queues: [] });
    expect(deployment.workflow).toEqual({ binding: "W7S_WORKFLOW", allow: [], workflows: [] });
    expect(deployment.events).toEqual({ binding: "W7S_EVENTS", publish: [], subscribe: [], allow: [] });
    expect(deployment.targets.worker).toEqual({
      namespace: "w7s",
      scriptName: "acme--site--production--abc123",
      entrypoint: "backend/index.ts",
      compatibilityDate: defaultPlatformConfig.defaultCompatibilityDate,
      startupTimeMs: 3,
      tags: ["w7s", "w7s-env-production", "w7s-owner-acme", "w7s-repo-site", "w7s-app-acme-site"],
    });
    expect(JSON.stringify(answer.body)).not.toContain("tokenHash");

    const stored = world.deployments.get(appKey(production))!;
    expect(stored.deploymentId).toBe(bundle!.deploymentId);
    expect(stored.record.rpc?.tokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(world.switches[0]!.tokens.map((entry) => entry.kind)).toEqual([
      "ai",
      "rpc",
      "queue",
      "workflow",
      "events",
    ]);
    expect(stored.record.events?.tokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(text.W7S_EVENTS_TOKEN).not.toBe(text.W7S_QUEUE_TOKEN);
  });

  it("fullstack: asset-only dist/client beside a backend, with a branch environment", async () => {
    const answer = await deploy(world, {
      files: { "worker/index.js": "export default {}", "dist/client/assets/app.css": "body{}" },
      headers: { "x-github-branch": "feature/login" },
    });
    expect(answer.status).toBe(200);
    const { deployment, url } = answer.body.data;
    expect(url).toBe("http://feature-login--acme.w7s.localhost:8787/site/");
    expect(Object.keys(deployment.targets)).toEqual(["worker", "static"]);
    expect(deployment.targets.static).toMatchObject({ fileCount: 1, hasIndex: false });
    expect(world.deployments.has(appKey({ ...production, environment: "feature-login" }))).toBe(true);
  });

  it("warns about unknown manifest keys and a native folder without an entrypoint", async () => {
    const answer = await deploy(world, {
      files: { ...staticSite, "backend/README.md": "#", "w7s.json": '{"colour":"blue"}' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.deploymentWarnings.map((warning: Json) => warning.code)).toEqual([
      "native_backend_skipped",
      expect.any(String),
    ]);
    expect(JSON.stringify(answer.body.data.deploymentWarnings[1])).toContain("colour");
  });

  it("says which declared features a backend was deployed without", async () => {
    const answer = await deploy(world, {
      files: {
        ...backendApp,
        "w7s.json":
          '{"bindings":{"kv":["CACHE"],"email":["MAIL"]},"queues":["jobs",{"name":"mail","binding":"MAIL_QUEUE"}],"schedules":[{"cron":"* * * * *","path":"/tick"}],"workflows":["flow"]}',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.deploymentWarnings).toEqual([
      {
        code: "feature_not_provided",
        target: "bindings.email",
        message:
          "bindings.email (MAIL) is declared, but this W7S server does not provide it yet; the backend was deployed without it.",
      },
      {
        code: "feature_not_provided",
        target: "queues[].binding",
        message:
          "queues[].binding (MAIL_QUEUE) is declared, but this W7S server does not provide it yet; the backend was deployed without it.",
      },
    ]);
    const staticOnly = await deploy(world, {
      files: { ...staticSite, "w7s.json": '{"bindings":{"kv":["CACHE"]}}' },
    });
    expect(staticOnly.body.data.deploymentWarnings).toBeUndefined();
  });

  it("uses the operator's public scheme and port in the url", async () => {
    const config = {
      ...defaultPlatformConfig,
      baseDomain: "apps.example.com",
      publicScheme: "https",
      publicPort: null,
    } as const;
    expect((await deploy(world, {}, config)).body.data.url).toBe("https://acme.apps.example.com/site/");
  });
});

describe("DECISIONS 6: all or nothing", () => {
  const deployFirst = async () => {
    expect((await deploy(world, { files: { ...backendApp, ...staticSite } })).status).toBe(200);
    const before = {
      current: world.deployments.get(appKey(production))!,
      objects: new Set(world.objects.keys()),
      manifests: new Set(world.manifests.keys()),
      backends: new Set(world.backends.keys()),
    };
    return before;
  };

  it("redeploy replaces the current deployment and names it in the switch", async () => {
    const before = await deployFirst();
    expect(
      (
        await deploy(world, {
          files: { ...backendApp, ...staticSite },
          headers: { "x-github-sha": "def456" },
        })
      ).status,
    ).toBe(200);
    expect(world.switches[1]!.replaces).toBe(before.current.deploymentId);
    expect(world.deployments.get(appKey(production))!.record.commitSha).toBe("def456");
  });

  // Static files are published before the backend, so a static failure has no backend to retire.
  it.each<[string, InjectedFailures, string, boolean]>([
    [
      "a static object fails to store after another was stored",
      { putObject: "Unavailable", objectsBeforeFailure: 1 },
      "AssetStore.putObject: Unavailable",
      false,
    ],
    [
      "the manifest fails to store",
      { putManifest: "Unavailable" },
      "AssetStore.putManifest: Unavailable",
      false,
    ],
    [
      "the switch fails",
      { switchDeployment: "Unavailable" },
      "DeploymentStore.switchDeployment: Unavailable",
      true,
    ],
    [
      "the switch conflicts three times",
      { conflicts: 3 },
      "DeploymentStore.switchDeployment: Conflict",
      true,
    ],
  ])(
    "when %s, the previous deployment stays current and the new one is removed",
    async (_case, failures, message, publishedBackend) => {
      const before = await deployFirst();
      world.failures = failures;
      const answer = await deploy(world, {
        files: { ...backendApp, ...staticSite },
        headers: { "x-github-sha": "def456" },
      });
      expect(answer).toEqual({ status: 500, body: { status: "error", error: message } });
      expect(world.deployments.get(appKey(production))).toBe(before.current);
      expect(new Set(world.objects.keys())).toEqual(before.objects);
      expect(new Set(world.manifests.keys())).toEqual(before.manifests);
      expect(new Set(world.backends.keys())).toEqual(before.backends);
      // The failed deploy's id is the last one issued.
      const failedId = `00000000-0000-4000-8000-${String(world.issued.uuids).padStart(12, "0")}`;
      expect(world.retired).toEqual(publishedBackend ? [failedId] : []);
    },
  );

  it("a concurrent deploy is retried against the new current deployment (last writer wins)", async () => {
    await deployFirst();
    world.failures.conflicts = 2;
    const answer = await deploy(world, { headers: { "x-github-sha": "def456" } });
    expect(answer.status).toBe(200);
    expect(world.switches.length).toBe(4);
    expect(world.deployments.get(appKey(production))!.record.commitSha).toBe("def456");
  });
});

describe("E.1 managed storage and C migrations", () => {
  const storageManifest = {
    bindings: {
      kv: ["CACHE", { binding: "SESSIONS", name: "my-sessions" }],
      fs: ["FILES"],
      db: [{ binding: "DB", migrations: "migrations" }],
      durableObjects: ["Counter", { binding: "ROOMS", className: "Room" }],
      hyperdrive: [{ binding: "PG", id: "main-pg" }],
    },
  };
  const storageApp = (migrations: Record<string, string> = {}) => ({
    ...backendApp,
    "w7s.json": JSON.stringify(storageManifest),
    ...Object.fromEntries(Object.entries(migrations).map(([name, sql]) => [`migrations/${name}`, sql])),
  });

  it("provisions each resource, binds it in upload order and records it", async () => {
    const answer = await deploy(world, {
      files: storageApp({ "0001_notes.sql": "create table notes (id integer primary key);" }),
    });
    expect(answer.status).toBe(200);
    const bundle = [...world.backends.values()][0]!;
    const storage = bundle.bindings.filter((binding) =>
      ["kv_namespace", "r2_bucket", "d1", "hyperdrive", "durable_object_namespace"].includes(binding.type),
    );
    expect(storage.map((binding) => [binding.type, binding.name])).toEqual([
      ["kv_namespace", "CACHE"],
      ["kv_namespace", "SESSIONS"],
      ["r2_bucket", "FILES"],
      ["d1", "DB"],
      ["hyperdrive", "PG"],
      ["durable_object_namespace", "Counter"],
      ["durable_object_namespace", "ROOMS"],
    ]);
    // Storage comes right after vars and secrets, before the platform's own bindings (E.1).
    expect(bundle.bindings[0]).toMatchObject({ type: "kv_namespace", name: "CACHE" });
    expect(bundle.durableObjectClasses).toEqual(["Counter", "Room"]);
    expect(bundle.app).toEqual(production);
    const bindings = answer.body.data.deployment.bindings;
    expect(bindings.kv).toEqual([
      { binding: "CACHE", name: "w7s-production-acme-site-kv-cache", namespaceId: expect.any(String) },
      { binding: "SESSIONS", name: "my-sessions", namespaceId: expect.any(String) },
    ]);
    expect(bindings.r2).toEqual([{ binding: "FILES", bucketName: "w7s-production-acme-site-r2-files" }]);
    expect(bindings.d1).toEqual([
      {
        binding: "DB",
        name: "w7s-production-acme-site-d1-db",
        databaseId: expect.any(String),
        migrationsApplied: 1,
      },
    ]);
    expect(bindings.durableObjects).toEqual([
      { binding: "Counter", className: "Counter" },
      { binding: "ROOMS", className: "Room" },
    ]);
    expect(bindings.hyperdrive).toEqual([{ binding: "PG", id: "main-pg" }]);
    // A stateful app keeps one script name across deploys (B.8).
    expect(answer.body.data.deployment.targets.worker.scriptName).toBe("acme--site--production");
  });

  it("reuses resources on redeploy, gives a branch its own, and applies only new migrations", async () => {
    const first = await deploy(world, { files: storageApp({ "0001_a.sql": "create table a (x);" }) });
    const again = await deploy(world, {
      files: storageApp({
        "0001_a.sql": "create table a (x);",
        "0002_b.sql": "create table b (y);",
        "0003_blank.sql": "  \n",
      }),
    });
    expect(again.body.data.deployment.bindings.kv).toEqual(first.body.data.deployment.bindings.kv);
    expect(again.body.data.deployment.bindings.d1[0].migrationsApplied).toBe(1);
    const databaseId = first.body.data.deployment.bindings.d1[0].databaseId;
    expect(world.migrations.get(databaseId)?.map((migration) => migration.name)).toEqual([
      "migrations/0001_a.sql",
      "migrations/0002_b.sql",
    ]);
    const unchanged = await deploy(world, { files: storageApp({ "0001_a.sql": "create table a (x);" }) });
    expect(unchanged.body.data.deployment.bindings.d1[0]).not.toHaveProperty("migrationsApplied");

    const branch = await deploy(world, {
      files: storageApp({ "0001_a.sql": "create table a (x);" }),
      headers: { "x-github-branch": "feature/x" },
    });
    expect(branch.status).toBe(200);
    const branchDb = branch.body.data.deployment.bindings.d1[0];
    expect(branchDb.databaseId).not.toBe(databaseId);
    expect(branchDb.name).toBe("w7s-feature-x-acme-site-d1-db");
    expect(branchDb.migrationsApplied).toBe(1);
    expect(world.migrations.get(databaseId)).toHaveLength(2);
  });

  it("fails the deploy on a bad migration, naming the file and the SQL error, and keeps the old one live", async () => {
    const first = await deploy(world, { files: storageApp({ "0001_a.sql": "create table a (x);" }) });
    world.failures.migrations = { "migrations/0002_bad.sql": 'near "creat": syntax error' };
    const failed = await deploy(world, {
      files: storageApp({ "0001_a.sql": "create table a (x);", "0002_bad.sql": "creat table b (y);" }),
    });
    expect(failed.status).toBe(400);
    expect(failed.body).toEqual({
      status: "error",
      error: 'D1 migration migrations/0002_bad.sql for DB failed: near "creat": syntax error',
      details: { binding: "DB", migration: "migrations/0002_bad.sql" },
    });
    expect(world.deployments.get(appKey(production))?.record.commitSha).toBe(
      first.body.data.deployment.commitSha,
    );
    // The backend published for the failed deploy is retired again.
    expect(world.retired).toHaveLength(1);
    expect(world.backends.size).toBe(1);
  });

  it("does not provision storage for a static-only deploy", async () => {
    const answer = await deploy(world, {
      files: { ...staticSite, "w7s.json": '{"bindings":{"kv":["CACHE"],"db":["DB"]}}' },
    });
    expect(answer.status).toBe(200);
    expect(world.resources.size).toBe(0);
    expect(answer.body.data.deployment.bindings).toBeUndefined();
  });

  it("answers 400 with the runtime's text when a binding names something the platform lacks", async () => {
    world.failures.publish = "NotFound";
    const answer = await deploy(world, { files: storageApp() });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("SyntaxError: Unexpected token");
  });
});

describe("B.2 rows 10-11: deploy limits and suspensions; B.13 usage", () => {
  it("counts each deploy and its static writes, then refuses past the daily limit with the 429 body", async () => {
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:site", { version: 1, metrics: { deploy: 2 } });
    expect((await deploy(world)).status).toBe(200);
    expect((await deploy(world)).status).toBe(200);
    const rollup = [...world.usage.rollups.entries()].find(([key]) => key.startsWith("repo:"))?.[1];
    expect(rollup?.metrics["deploy"]).toMatchObject({ count: 2, units: 2, success: 2, error: 0 });
    expect(rollup?.metrics["static.r2_class_a"]).toMatchObject({ units: 4 });
    const refused = await deploy(world);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe(
      "Daily usage limit exceeded for deploy at repo scope (2/2 used, requested 1).",
    );
    expect(refused.body.details.usageLimit).toMatchObject({
      metric: "deploy",
      scope: "repo",
      source: "repo",
    });
    expect(world.switches).toHaveLength(2);
  });

  it("refuses a deploy of a suspended app before reading its layout", async () => {
    world.usage.suspensions.set("production:acme:site", {
      version: 1,
      status: "suspended",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "site",
      reason: "Paused by the operator.",
      metrics: [],
      updatedAt: "2026-01-01T00:00:00.000Z",
      suspendedBy: "operator",
    });
    const refused = await deploy(world, { files: { "README.md": "nothing deployable" } });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("Paused by the operator.");
    expect(refused.body.details.appLimitState).toMatchObject({ kind: "operator" });
  });
});
