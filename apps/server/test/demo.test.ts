import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ACTION_EXCLUDE_PATTERNS, deployFiles, isExcludedFromDeploy, zipDirectory } from "@w7s/action";
import { request, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type DeployOutcome, demoUrlLines, deployExamples } from "../src/demo.js";
import { type RunningServer, startServer } from "../src/server.js";

const hasZip = (() => {
  try {
    execFileSync("zip", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const examples = resolve(import.meta.dirname, "../../../examples");

const get = async (server: RunningServer, host: string, path: string) => {
  const response = await request({ baseUrl: server.url, baseDomain: "", close: async () => {} }, host, path);
  return {
    status: response.status,
    body: await response.text(),
    environment: response.headers.get("x-w7s-environment") ?? undefined,
  };
};

describe("deploy zips (J.3)", () => {
  it("excludes what the official action's zip -x patterns exclude, at every depth", () => {
    expect(
      [
        "node_modules/x",
        "a/node_modules/x.js",
        "a/b/c/node_modules/x.js",
        ".git/HEAD",
        "sub/.git/HEAD",
        "dist/.vite/manifest.json",
        "src/.wrangler/t",
        "dist/index.html",
      ].map(isExcludedFromDeploy),
    ).toEqual([true, true, true, true, false, true, true, false]);
    expect(deployFiles(join(examples, "ts-backend"))).toEqual(
      expect.arrayContaining([
        "backend/",
        "backend/index.ts",
        "backend/lib/greet.ts",
        "backend/lib/respond.ts",
      ]),
    );
    expect(Object.keys(unzipSync(zipDirectory(join(examples, "static-site"))))).toContain("dist/index.html");
  });

  it.skipIf(!hasZip)("holds the same entries as `zip -qr` with the action's exclusions", () => {
    const dir = mkdtempSync(join(tmpdir(), "w7s-zip-"));
    for (const path of [
      "keep.txt",
      ".git/HEAD",
      "sub/.git/HEAD",
      "node_modules/a/index.js",
      "a/node_modules/x.js",
      "a/b/c/node_modules/x.js",
      "a/b/c/d/.wrangler/state",
      "dist/.vite/manifest.json",
      "dist/index.html",
      "backend/index.ts",
      ".env.example",
    ]) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), path);
    }
    const archive = join(mkdtempSync(join(tmpdir(), "w7s-zip-out-")), "app.zip");
    execFileSync("zip", ["-qr", archive, ".", "-x", ...ACTION_EXCLUDE_PATTERNS], { cwd: dir });
    const byZip = Object.keys(unzipSync(new Uint8Array(readFileSync(archive)))).sort();
    expect(Object.keys(unzipSync(zipDirectory(dir))).sort()).toEqual(byZip);
    expect(byZip).toContain("a/b/c/");
  });
});

describe("the embedded default with the examples deployed", () => {
  let server: RunningServer;
  let outcomes: DeployOutcome[];
  beforeAll(async () => {
    await requirePostgres();
    const hyperdrive = { "example-postgres": TEST_DATABASE_URL };
    server = await startServer({
      ...DEFAULT_SETTINGS,
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "w7s-demo-")),
      deployToken: "demo-token",
      hyperdrive,
    });
    outcomes = await deployExamples(
      server,
      "demo-token",
      examples,
      [{ example: "ts-backend", branch: "feature/hello" }],
      () => {},
      hyperdrive,
    );
  }, 60_000);
  afterAll(() => server.close(1_000));

  it("deploys every example and prints both ways to reach it", () => {
    expect(outcomes.filter((outcome) => outcome.body.status !== "success")).toEqual([]);
    const lines = demoUrlLines(server, outcomes).join("\n");
    expect(lines).toContain(`http://demo.w7s.localhost:${server.port}/static-site/`);
    expect(lines).toContain(
      `curl -H 'Host: feature-hello--demo.w7s.localhost' '${server.url}/ts-backend/greet?name=Ada'`,
    );
    expect(lines).toContain(`open   http://demo.w7s.localhost:${server.port}/js-backend/hello`);
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

  it("runs the storage examples: KV visits, notes on the serverless database, the durable counter, Postgres", async () => {
    const visits = async () =>
      JSON.parse((await get(server, "demo.w7s.localhost", "/js-backend/visits")).body).visits;
    const firstVisit = await visits();
    expect(await visits()).toBe(firstVisit + 1);

    const notes = async () =>
      JSON.parse((await get(server, "demo.w7s.localhost", "/serverless-database/api/notes")).body)
        .notes as Array<{
        body: string;
      }>;
    expect((await notes()).map((note) => note.body)).toContain("Hello from the W7S serverless database");
    const added = await request(
      { baseUrl: server.url, baseDomain: "", close: async () => {} },
      "demo.w7s.localhost",
      "/serverless-database/api/notes",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ body: "from the test" }),
      },
    );
    expect(added.status).toBe(201);
    expect((await notes())[0]?.body).toBe("from the test");

    const increment = () =>
      request(
        { baseUrl: server.url, baseDomain: "", close: async () => {} },
        "demo.w7s.localhost",
        "/durable-counter/increment",
        {
          method: "POST",
        },
      );
    const before = JSON.parse((await get(server, "demo.w7s.localhost", "/durable-counter/value")).body).count;
    await Promise.all([increment(), increment(), increment()]);
    expect(JSON.parse((await get(server, "demo.w7s.localhost", "/durable-counter/value")).body).count).toBe(
      before + 3,
    );

    const postgresNow = JSON.parse((await get(server, "demo.w7s.localhost", "/postgres-binding/now")).body);
    expect(Math.abs(Date.parse(postgresNow.now) - Date.now())).toBeLessThan(60_000);
    expect(postgresNow.version).toContain("PostgreSQL");
  });

  it("runs the platform examples: the event fan-out of three apps and a producer/consumer pair of two owners", async () => {
    const eventually = async <A>(read: () => Promise<A>, accept: (value: A) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const value = await read();
        if (accept(value)) return value;
        if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const json = async (host: string, path: string) => JSON.parse((await get(server, host, path)).body);
    const created = await json(
      "demo.w7s.localhost",
      "/order-api/orders/new?item=lamp&email=grace@example.com",
    );
    expect(created).toMatchObject({ published: true, order: { item: "lamp", status: "created" } });
    expect(created.deliveries).toEqual([
      { repository: "demo/email-worker", queue: "emails" },
      { repository: "demo/event-log", queue: "events" },
      { repository: "demo/order-api", queue: "order-status" },
    ]);
    const id = created.order.id as string;
    const eventId = created.event.id as string;
    const delivered = await eventually(
      () => json("demo.w7s.localhost", `/order-api/orders/${id}`),
      (answer) => answer.order.status === "delivered",
    );
    expect(delivered.order.deliveredAt).toEqual(expect.any(String));
    const sent = await eventually(
      () => json("demo.w7s.localhost", "/email-worker/sent"),
      (answer) => answer.sent.some((email: { orderId: string }) => email.orderId === id),
    );
    expect(sent.sent.find((email: { orderId: string }) => email.orderId === id)).toMatchObject({
      to: "grace@example.com",
      subject: "Your order of lamp",
      eventId,
      publishedBy: "demo/order-api",
    });
    const logged = await eventually(
      () => json("demo.w7s.localhost", "/event-log/events"),
      (answer) => answer.events.some((event: { id: string }) => event.id === eventId),
    );
    expect(logged.events.find((event: { id: string }) => event.id === eventId)).toMatchObject({
      subject: "orders.created",
      publisher: "demo/order-api",
      data: { orderId: id, item: "lamp", email: "grace@example.com" },
    });

    const queued = await json("demo.w7s.localhost", "/queue-producer/enqueue?text=from-demo");
    expect(queued).toMatchObject({
      status: "queued",
      // The request above sent `Host: demo.w7s.localhost` (no port), as a browser on port 80 would.
      checkDeliveryAt: "http://partner.w7s.localhost/queue-consumer/latest",
    });
    const latest = await eventually(
      () => json("partner.w7s.localhost", "/queue-consumer/latest"),
      (answer) => answer.latest?.body?.text === "from-demo",
    );
    expect(latest.latest.from).toBe("demo/queue-producer");
  });

  it("reports a failed example with the server's error and still deploys the others", async () => {
    const dir = mkdtempSync(join(tmpdir(), "w7s-examples-"));
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write("broken/package.json", "{}");
    write("broken/backend/index.js", 'import { Hono } from "hono";\nexport default new Hono();\n');
    write("working/package.json", "{}");
    write("working/dist/index.html", "<p>working</p>");
    const logged: string[] = [];
    const result = await deployExamples(server, "demo-token", dir, [], (line) => logged.push(line));
    expect(result.map(({ example, status, body }) => ({ example, status, error: body.error }))).toEqual([
      {
        example: "broken",
        status: 400,
        error:
          "Native deploy currently supports only relative imports inside backend/. Unsupported import: hono",
      },
      { example: "working", status: 200, error: undefined },
    ]);
    expect(logged.join("\n")).toContain('failed (HTTP 400): {"status":"error"');
    expect((await get(server, "demo.w7s.localhost", "/working/")).body).toBe("<p>working</p>");
  });
});
