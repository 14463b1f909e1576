import { Validator } from "@seriousme/openapi-schema-validator";
import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import { makeHttpApp } from "./app.js";
import { API_OPERATIONS } from "./openApi.js";

const config: PlatformConfig = {
  ...defaultPlatformConfig,
  baseDomain: "w7s.test",
  publicScheme: "https",
  publicPort: null,
};

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
type Json = any;

let world: MemoryWorld;
let app: ReturnType<typeof makeHttpApp>;
beforeEach(() => {
  world = makeMemoryWorld();
  const layer = memoryPorts(world);
  app = makeHttpApp({ config, run: (effect) => Effect.runPromise(Effect.provide(effect, layer)) });
  world.backendFetch = () => new Response("backend");
});

const zip = (files: Record<string, string>) =>
  zipSync(
    Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
  ) as Uint8Array<ArrayBuffer>;

const deploy = async (
  files: Record<string, string>,
  options: { repository?: string; branch?: string; headers?: Record<string, string>; sha?: string } = {},
) => {
  const response = await app.request("https://w7s.test/api/v1/deploy", {
    method: "POST",
    headers: {
      host: "w7s.test",
      authorization: "Bearer ghs_test",
      "content-type": "application/zip",
      "x-github-repository": options.repository ?? "acme/site",
      "x-github-sha": options.sha ?? "abc123",
      "x-github-branch": options.branch ?? "main",
      ...options.headers,
    },
    body: zip(files),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
};

const call = async (path: string, init: { method?: string; token?: string | null; body?: string } = {}) => {
  const token = init.token === undefined ? "ghs_test" : init.token;
  const response = await app.request(`https://w7s.test${path}`, {
    method: init.method ?? "GET",
    headers: { host: "w7s.test", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text === "" ? undefined : (JSON.parse(text) as Json),
  };
};

describe("I.1 discovery documents", () => {
  it.each(["/agent.json", "/.well-known/agent.json"])("%s describes this server", async (path) => {
    const answer = await call(path, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("public, max-age=300");
    expect(answer.body).toMatchObject({
      schemaVersion: "1.0",
      name: "W7S Cloud Agent API",
      url: "https://w7s.test",
      authentication: {
        type: "github_oidc",
        audience: ["w7s.cloud", "https://w7s.cloud"],
        requiredRepositoryScope: true,
      },
      capabilities: { mode: "read-only", mutationApi: false },
      api: {
        openapi: "https://w7s.test/api/v1/agent/openapi.json",
        manifestSchema: "https://w7s.test/api/v1/agent/manifest-schema",
        repoStateTemplate: "https://w7s.test/api/v1/agent/repos/{owner}/{repo}",
        deploymentsTemplate: "https://w7s.test/api/v1/agent/repos/{owner}/{repo}/deployments",
        resourcesTemplate: "https://w7s.test/api/v1/agent/repos/{owner}/{repo}/resources",
        routesTemplate: "https://w7s.test/api/v1/agent/repos/{owner}/{repo}/routes",
      },
    });
  });

  it("the manifest schema is @w7s/manifest's, addressed here and open to unknown keys", async () => {
    const answer = await call("/api/v1/agent/manifest-schema", { token: null });
    expect(answer.body).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://w7s.test/api/v1/agent/manifest-schema",
      title: "W7S app manifest",
      type: "object",
      additionalProperties: true,
    });
    expect(Object.keys(answer.body.properties)).toEqual(
      expect.arrayContaining([
        "name",
        "bindings",
        "queues",
        "schedules",
        "workflows",
        "vars",
        "secrets",
        "routing",
      ]),
    );
    expect(answer.body.examples).toHaveLength(1);
  });

  it("the OpenAPI document is valid OpenAPI 3.1 and lists the agent routes", async () => {
    const answer = await call("/api/v1/agent/openapi.json", { token: null });
    expect(answer.body).toMatchObject({
      openapi: "3.1.0",
      info: { title: "W7S Cloud Agent API", version: "1.0.0" },
      servers: [{ url: "https://w7s.test" }],
      components: { securitySchemes: { githubOidc: { type: "http", scheme: "bearer" } } },
    });
    const validator = new Validator();
    const result = await validator.validate(answer.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining([
        "/agent.json",
        "/api/v1/agent/openapi.json",
        "/api/v1/agent/manifest-schema",
        "/api/v1/agent/repos/{owner}/{repo}",
        "/api/v1/agent/repos/{owner}/{repo}/deployments",
        "/api/v1/agent/repos/{owner}/{repo}/resources",
        "/api/v1/agent/repos/{owner}/{repo}/routes",
      ]),
    );
    expect(answer.body.paths["/agent.json"].get.security).toEqual([]);
    expect(answer.body.paths["/api/v1/agent/repos/{owner}/{repo}"].get.security).toBeUndefined();
    expect(answer.body.components.schemas.SanitizedDeployment.properties.targets).toBeDefined();
  });

  it("every route the document lists answers (not 404 or 405), and with the documented shape", async () => {
    await deploy({ "dist/index.html": "<h1>hi</h1>" });
    const document = (await call("/api/v1/agent/openapi.json", { token: null })).body;
    for (const [path, operations] of Object.entries(
      document.paths as Record<string, Record<string, unknown>>,
    )) {
      for (const method of Object.keys(operations)) {
        const answer = await call(path.replace("{owner}", "acme").replace("{repo}", "site"), {
          method: method.toUpperCase(),
        });
        expect({ path, method, status: answer.status }).toEqual({ path, method, status: 200 });
      }
    }
    expect(API_OPERATIONS.map((operation) => operation.path)).toEqual(Object.keys(document.paths));
  });
});

describe("I.1 repository state", () => {
  it("for an undeployed repository: no deployment, the first steps as next actions", async () => {
    const answer = await call("/api/v1/agent/repos/Acme/Site");
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("success");
    expect(answer.body.data).toMatchObject({
      repository: "acme/site",
      owner: "acme",
      repo: "site",
      environment: "production",
      deployment: null,
      urls: {
        defaultDomainEnabled: true,
        defaultUrl: "https://acme.w7s.test/site/",
        primaryUrl: "https://acme.w7s.test/site/",
        customDomains: [],
      },
      capabilities: { deployed: false, readOnlyAgentApi: true, directMutationApi: false },
      limits: { version: 1, period: "day", mode: "enforce", appLimitState: null },
      nextActions: [
        "Add a W7S deploy workflow to the repository.",
        "Commit deployable static output or a backend/worker entrypoint.",
        "Redeploy from GitHub Actions with id-token: write.",
      ],
      _links: {
        self: "https://w7s.test/api/v1/agent/repos/Acme/Site?environment=production",
        logs: "https://w7s.test/api/v1/logs/Acme/Site?environment=production",
        manifestSchema: "https://w7s.test/api/v1/agent/manifest-schema",
      },
    });
  });

  it("for a deployed backend: sanitized, no token hash and no secret value anywhere", async () => {
    const secrets = Buffer.from(JSON.stringify({ API_KEY: "very-secret-value" })).toString("base64url");
    await deploy(
      {
        "dist/index.html": "<h1>hi</h1>",
        "backend/index.js": "export default {}",
        "w7s.json": JSON.stringify({
          secrets: ["API_KEY"],
          rpc: { allow: ["friends"] },
          queues: ["inbox"],
          events: { publish: ["orders.created"], subscribe: [{ subject: "orders.paid", queue: "inbox" }] },
        }),
        CNAME: "shop.example.com\n",
      },
      { headers: { "x-w7s-secrets": secrets } },
    );
    const answer = await call("/api/v1/agent/repos/acme/site");
    expect(answer.text).not.toContain("tokenHash");
    expect(answer.text).not.toContain("very-secret-value");
    expect(answer.body.data.deployment).toMatchObject({
      repository: "acme/site",
      url: "https://shop.example.com/",
      routing: { defaultDomain: true, customDomains: ["shop.example.com"] },
      targets: { static: { fileCount: 1, hasIndex: true }, worker: { entrypoint: "backend/index.js" } },
    });
    expect(answer.body.data.resources).toMatchObject({
      bindings: { secrets: ["API_KEY"] },
      rpc: { binding: "W7S_RPC", allow: ["friends"] },
      ai: { binding: "W7S_AI" },
      events: {
        binding: "W7S_EVENTS",
        publish: ["orders.created"],
        subscribe: [
          { subject: "orders.paid", queue: "inbox", queueName: "w7s-production-acme-site-queue-inbox" },
        ],
        allow: [],
      },
    });
    expect(answer.body.data.capabilities).toMatchObject({
      deployed: true,
      nativeBackend: true,
      customDomains: true,
      events: true,
    });
    const routes = await call("/api/v1/agent/repos/acme/site/routes");
    expect(routes.body.data.routes).toEqual({
      defaultDomainEnabled: true,
      defaultUrl: "https://acme.w7s.test/site/",
      primaryUrl: "https://shop.example.com/",
      customDomains: ["shop.example.com"],
    });
    const resources = await call("/api/v1/agent/repos/acme/site/resources");
    expect(resources.body.data.resources.rpc).toEqual({ binding: "W7S_RPC", allow: ["friends"] });
  });

  it("/deployments lists the live deployment of every environment, newest first", async () => {
    await deploy({ "dist/index.html": "main" });
    await deploy({ "dist/index.html": "dev" }, { branch: "dev" });
    const answer = await call("/api/v1/agent/repos/acme/site/deployments");
    expect(answer.body.data.deployments.map((deployment: Json) => deployment.environment)).toEqual([
      "dev",
      "production",
    ]);
    expect(answer.body.data.deployments[0].url).toBe("https://dev--acme.w7s.test/site/");
  });

  it("?application= addresses a monorepo app (B.6)", async () => {
    await deploy(
      { "dist/index.html": "console", "w7s.json": '{"name":"console"}' },
      { repository: "acme/inbox" },
    );
    const answer = await call("/api/v1/agent/repos/acme/inbox?application=console");
    expect(answer.body.data.repo).toBe("inbox-app-console-06ke78m");
    expect(answer.body.data.capabilities.deployed).toBe(true);
  });

  it.each<[string, string | null, number, string]>([
    ["/api/v1/agent/repos/acme", "ghs_test", 400, "Agent route must be /api/v1/agent/repos/<owner>/<repo>."],
    ["/api/v1/agent/repos/acme/site?environment=%21%21", "ghs_test", 400, "Invalid environment."],
    ["/api/v1/agent/repos/acme/site", null, 401, "Missing bearer token."],
    ["/api/v1/agent/repos/acme/site/secrets", "ghs_test", 404, "Unknown agent endpoint."],
  ])("%s answers %s %i %s", async (path, token, status, error) => {
    const answer = await call(path, { token });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status,
      body: { status: "error", error },
    });
  });

  it("a token that cannot read the repository gets 401", async () => {
    world.access = { granted: false };
    const answer = await call("/api/v1/agent/repos/acme/site");
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("Bearer token is not authorized for this GitHub repository.");
    expect(world.verifyRequests.at(-1)).toMatchObject({ owner: "acme", repo: "site", access: "read" });
  });
});

describe("deployment history and rollback", () => {
  const version = async (path = "/site/") =>
    (await app.request(`https://acme.w7s.test${path}`, { headers: { host: "acme.w7s.test" } })).text();

  it("lists the retained deployments newest first; rollback switches to an earlier one in one step", async () => {
    for (const name of ["v1", "v2", "v3"])
      await deploy({ "dist/index.html": name }, { sha: name.repeat(10) });
    const listed = await call("/api/v1/deployments/acme/site");
    expect(listed.status).toBe(200);
    const entries = listed.body.data.deployments as Json[];
    expect(listed.body.data).toMatchObject({
      repository: "acme/site",
      environment: "production",
      retained: 10,
    });
    expect(entries.map((entry) => [entry.deployment.commitSha, entry.current])).toEqual([
      ["v3".repeat(10), true],
      ["v2".repeat(10), false],
      ["v1".repeat(10), false],
    ]);
    expect(listed.text).not.toContain("tokenHash");
    expect(await version()).toBe("v3");

    const back = await call("/api/v1/deployments/acme/site/rollback", {
      method: "POST",
      body: '{"steps":1}',
    });
    expect(back.status).toBe(200);
    expect(back.body.data).toMatchObject({
      deploymentId: entries[1].deploymentId,
      rolledBackFrom: entries[0].deploymentId,
      url: "https://acme.w7s.test/site/",
      deployment: { commitSha: "v2".repeat(10) },
    });
    expect(await version()).toBe("v2");
    const again = await call("/api/v1/deployments/acme/site");
    expect((again.body.data.deployments as Json[]).map((entry) => entry.current)).toEqual([
      false,
      true,
      false,
    ]);

    const toFirst = await call("/api/v1/deployments/acme/site/rollback", {
      method: "POST",
      body: JSON.stringify({ deploymentId: entries[2].deploymentId }),
    });
    expect(toFirst.status).toBe(200);
    expect(await version()).toBe("v1");
    const forward = await call("/api/v1/deployments/acme/site/rollback", {
      method: "POST",
      body: JSON.stringify({ deploymentId: entries[0].deploymentId }),
    });
    expect(forward.status).toBe(200);
    expect(await version()).toBe("v3");
    expect(world.verifyRequests.at(-1)).toMatchObject({ access: "deploy" });
  });

  it("refuses what it cannot do, with the reason", async () => {
    const first = await deploy({ "dist/index.html": "v1" });
    expect(first.status).toBe("success");
    const current = (await call("/api/v1/deployments/acme/site")).body.data.deployments[0]
      .deploymentId as string;
    const rollback = (body: string) =>
      call("/api/v1/deployments/acme/site/rollback", { method: "POST", body });
    expect((await rollback("")).body).toEqual({
      status: "error",
      error: "Cannot roll back 1 step: acme/site (production) keeps 0 earlier deployments.",
    });
    expect((await rollback(JSON.stringify({ deploymentId: current }))).body.error).toBe(
      `Deployment ${current} is already live.`,
    );
    const unknown = await rollback('{"deploymentId":"nope"}');
    expect({ status: unknown.status, error: unknown.body.error }).toEqual({
      status: 404,
      error: "Deployment nope is not in the retained history of acme/site (production).",
    });
    expect((await rollback('{"steps":0}')).body.error).toBe(
      'Rollback body must be {"deploymentId": "<id>"} or {"steps": <n>} with n of 1 or more.',
    );
    expect((await rollback("not json")).status).toBe(400);
    const none = await call("/api/v1/deployments/acme/other/rollback", { method: "POST", body: "" });
    expect({ status: none.status, error: none.body.error }).toEqual({
      status: 404,
      error: "acme/other has no deployment in environment production.",
    });
    const wrongPath = await call("/api/v1/deployments/acme/site/undo", { method: "POST", body: "" });
    expect(wrongPath.body.error).toBe("Rollback route must be /api/v1/deployments/<owner>/<repo>/rollback.");
  });

  it("an OIDC token may only bring back a deployment of its own branch (DECISIONS 3)", async () => {
    await deploy({ "dist/index.html": "v1" });
    await deploy({ "dist/index.html": "v2" });
    world.access = { granted: true, proof: "oidc", branch: "feature" };
    const answer = await call("/api/v1/deployments/acme/site/rollback", { method: "POST", body: "" });
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 403,
      error:
        "The OIDC token was issued for branch feature, so it cannot roll back to a deployment of branch main.",
    });
    world.access = { granted: true, proof: "oidc", branch: "main" };
    expect((await call("/api/v1/deployments/acme/site/rollback", { method: "POST", body: "" })).status).toBe(
      200,
    );
  });

  it("keeps the configured number of deployments per app", async () => {
    const layer = memoryPorts(world);
    app = makeHttpApp({
      config: { ...config, historyDepth: 3 },
      run: (effect) => Effect.runPromise(Effect.provide(effect, layer)),
    });
    for (let index = 0; index < 5; index += 1) await deploy({ "dist/index.html": `v${index}` });
    const listed = await call("/api/v1/deployments/acme/site");
    expect(listed.body.data).toMatchObject({ retained: 3 });
    expect((listed.body.data.deployments as Json[]).map((entry) => entry.current)).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("a rollback claims the restored deployment's custom domains again", async () => {
    await deploy({ "dist/index.html": "v1", CNAME: "old.example.com\n" });
    await deploy({ "dist/index.html": "v2", CNAME: "new.example.com\n" });
    expect([...world.domains.keys()]).toEqual(["new.example.com /"]);
    const back = await call("/api/v1/deployments/acme/site/rollback", { method: "POST", body: "" });
    expect(back.body.data).toMatchObject({
      url: "https://old.example.com/",
      customDomains: ["old.example.com"],
    });
    expect([...world.domains.keys()]).toEqual(["old.example.com /"]);
    const page = await app.request("https://old.example.com/", { headers: { host: "old.example.com" } });
    expect(await page.text()).toBe("v1");
  });
});
