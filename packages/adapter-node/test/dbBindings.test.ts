/**
 * SQL database bindings (`bindings.db`, D1) end to end: real workerd processes, apps calling `env.DB.*`
 * through workerd's own D1 binding, the bindings host and its SQL processes.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BackendBundle } from "@w7s/core";
import { Effect } from "effect";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOOKMARK_HEADER,
  d1Messages,
  databaseFile,
  GRANT_HEADER,
  MAX_RESULT_BYTES,
  makeDbGateway,
  makeFsGateway,
  makeGrantSigner,
  makeKvGateway,
  startBindingsHost,
  type UsageEvent,
} from "../src/bindings/index.js";
import { applySqlMigrations } from "../src/provisioner/migrations.js";
import { makeWorkerdRuntime } from "../src/runtime/index.js";

const TIME_LIMIT_MS = 2500;
const dataDir = mkdtempSync(join(tmpdir(), "w7s-db-"));
const usage: UsageEvent[] = [];
let runtime: ReturnType<typeof makeWorkerdRuntime>;

beforeAll(() => {
  runtime = makeWorkerdRuntime({
    dataDir,
    usage: (event) => usage.push(event),
    databaseTimeLimitMs: TIME_LIMIT_MS,
    requestTimeoutMs: 20_000,
  });
});
afterAll(async () => {
  await Effect.runPromise(runtime.shutdown());
});

/**
 * The test app: runs the operations it is sent against `env[binding]` and answers what each returned or
 * the message it threw. `{blob: [...]}` and `{buffer: [...]}` stand for a Uint8Array and an ArrayBuffer.
 */
const INTERPRETER = `
const decode = (value) => {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if ("blob" in value) return new Uint8Array(value.blob);
    if ("buffer" in value) return new Uint8Array(value.buffer).buffer;
  }
  return value;
};
const statementOf = (db, op) => {
  const statement = db.prepare(op.sql);
  return op.params === undefined ? statement : statement.bind(...op.params.map(decode));
};
async function run(db, op) {
  switch (op.kind) {
    case "first": return op.column === undefined ? statementOf(db, op).first() : statementOf(db, op).first(op.column);
    case "all": return statementOf(db, op).all();
    case "run": return statementOf(db, op).run();
    case "raw": return statementOf(db, op).raw(op.options);
    case "batch": return db.batch(op.statements.map((statement) => statementOf(db, statement)));
    case "exec": return db.exec(op.sql);
    case "dump": {
      const bytes = new Uint8Array(await db.dump());
      return { size: bytes.byteLength, header: new TextDecoder().decode(bytes.slice(0, 15)) };
    }
    case "session": {
      const session = db.withSession(op.constraint);
      const bookmarks = [session.getBookmark()];
      for (const inner of op.ops) {
        await run(session, inner);
        bookmarks.push(session.getBookmark());
      }
      return bookmarks;
    }
  }
  throw new Error("unknown op " + op.kind);
}
export default {
  async fetch(request, env) {
    const { binding = "DB", ops } = await request.json();
    const answers = [];
    for (const op of ops) {
      try { answers.push({ value: await run(env[binding], op) }); }
      catch (error) { answers.push({ error: String(error.message) }); }
    }
    return Response.json(answers);
  },
};`;

const app = (repoSlug: string) => ({ environment: "production", orgSlug: "acme", repoSlug });

const bundleOf = (
  deploymentId: string,
  bindings: BackendBundle["bindings"],
  content = INTERPRETER,
): BackendBundle => ({
  deploymentId,
  app: app(deploymentId),
  scriptName: deploymentId,
  mainModule: "index.js",
  modules: [{ name: "index.js", content }],
  bindings,
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
});

const publish = (bundle: BackendBundle) => Effect.runPromise(runtime.service.publish(bundle));

type Op = Record<string, unknown>;
type Answer = { value?: unknown; error?: string };

const send = async (deploymentId: string, ops: Op[], binding = "DB"): Promise<Answer[]> => {
  const response = await Effect.runPromise(
    runtime.service.dispatch(
      deploymentId,
      new Request("http://app.test/", { method: "POST", body: JSON.stringify({ binding, ops }) }),
    ),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as Answer[];
};
const one = async (deploymentId: string, op: Op, binding = "DB"): Promise<Answer> =>
  (await send(deploymentId, [op], binding))[0]!;
const value = async (deploymentId: string, op: Op, binding = "DB"): Promise<unknown> => {
  const answer = await one(deploymentId, op, binding);
  if (answer.error !== undefined) throw new Error(answer.error);
  return answer.value;
};

const META = {
  served_by: "w7s-node",
  served_by_primary: true,
  timings: { sql_duration_ms: expect.any(Number) },
  duration: expect.any(Number),
  changes: expect.any(Number),
  last_row_id: expect.any(Number),
  changed_db: expect.any(Boolean),
  size_after: expect.any(Number),
  rows_read: expect.any(Number),
  rows_written: expect.any(Number),
  total_attempts: 1,
};

describe("D1 API through workerd's binding", () => {
  beforeAll(async () => {
    await publish(bundleOf("api", [{ type: "d1", name: "DB", databaseId: "api" }]));
    await value("api", {
      kind: "exec",
      sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, active INTEGER, data BLOB)",
    });
  }, 30_000);

  it("run() inserts with ?N and ? parameters: booleans, null, numbers, strings, blobs", async () => {
    const inserted = await value("api", {
      kind: "run",
      sql: "INSERT INTO items (name, price, active, data) VALUES (?1, ?2, ?3, ?4)",
      params: ["apple", 1.5, true, { blob: [1, 2, 255] }],
    });
    expect(inserted).toEqual({
      success: true,
      results: [],
      meta: { ...META, changes: 1, last_row_id: 1, changed_db: true, rows_read: 1, rows_written: 1 },
    });
    await value("api", {
      kind: "run",
      sql: "INSERT INTO items (name, price, active, data) VALUES (?, ?, ?, ?)",
      params: ["pear", 2, false, { buffer: [9] }],
    });
    await value("api", {
      kind: "run",
      sql: "INSERT INTO items (name, price, active, data) VALUES (?, ?, ?, ?)",
      params: ["plum", null, null, null],
    });
  });

  it("all(), first(), first(column) and raw() answer D1's shapes; blobs come back as arrays of bytes", async () => {
    const all = await value("api", { kind: "all", sql: "SELECT * FROM items ORDER BY id" });
    expect(all).toEqual({
      success: true,
      results: [
        { id: 1, name: "apple", price: 1.5, active: 1, data: [1, 2, 255] },
        { id: 2, name: "pear", price: 2, active: 0, data: [9] },
        { id: 3, name: "plum", price: null, active: null, data: null },
      ],
      meta: { ...META, changes: 0, last_row_id: 0, changed_db: false, rows_read: 3, rows_written: 0 },
    });
    expect(
      await value("api", { kind: "first", sql: "SELECT name, price FROM items WHERE id = ?", params: [2] }),
    ).toEqual({ name: "pear", price: 2 });
    expect(
      await value("api", { kind: "first", sql: "SELECT name FROM items WHERE id = ?", params: [99] }),
    ).toBeNull();
    expect(await value("api", { kind: "first", sql: "SELECT count(*) AS n FROM items", column: "n" })).toBe(
      3,
    );
    expect(await one("api", { kind: "first", sql: "SELECT 1 AS n", column: "missing" })).toEqual({
      error: "D1_COLUMN_NOTFOUND: Column not found (missing)",
    });
    expect(
      await value("api", { kind: "raw", sql: "SELECT id, name FROM items WHERE id < 3 ORDER BY id" }),
    ).toEqual([
      [1, "apple"],
      [2, "pear"],
    ]);
    expect(
      await value("api", {
        kind: "raw",
        sql: "SELECT 1 AS a, 2 AS a, typeof(?) AS t",
        params: [5],
        options: { columnNames: true },
      }),
    ).toEqual([
      ["a", "a", "t"],
      [1, 2, "integer"],
    ]);
    // RETURNING rows come back from run() too.
    const returned = (await value("api", {
      kind: "run",
      sql: "UPDATE items SET price = price * 2 WHERE price IS NOT NULL RETURNING name, price",
    })) as { results: unknown[]; meta: { changes: number } };
    expect(returned.results).toEqual([
      { name: "apple", price: 3 },
      { name: "pear", price: 4 },
    ]);
    expect(returned.meta.changes).toBe(2);
  });

  it("refuses values D1 cannot bind and parameter counts that do not match", async () => {
    expect(await one("api", { kind: "all", sql: "SELECT ?", params: [{ nested: true }] })).toEqual({
      error: "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'",
    });
    expect(await one("api", { kind: "all", sql: "SELECT ?, ?", params: [1] })).toEqual({
      error: `D1_ERROR: ${d1Messages.wrongParameterCount}`,
    });
    expect(await one("api", { kind: "all", sql: "SELECT ?; SELECT 2", params: [1] })).toEqual({
      error: `D1_ERROR: ${d1Messages.parametersBeforeLast}`,
    });
  });

  it("passes SQLite errors through with D1's prefixes; statements of only comments are skipped", async () => {
    expect(await one("api", { kind: "all", sql: "SELEC 1" })).toEqual({
      error: 'D1_ERROR: near "SELEC": syntax error: SQLITE_ERROR',
    });
    expect(await one("api", { kind: "all", sql: "SELECT * FROM nowhere" })).toEqual({
      error: "D1_ERROR: no such table: nowhere: SQLITE_ERROR",
    });
    expect(
      await one("api", { kind: "run", sql: "INSERT INTO items (name) VALUES (?)", params: ["apple"] }),
    ).toEqual({ error: "D1_ERROR: UNIQUE constraint failed: items.name: SQLITE_CONSTRAINT" });
    expect(await one("api", { kind: "all", sql: "-- nothing here\n/* or here */ ;" })).toEqual({
      error: `D1_ERROR: ${d1Messages.noStatements}`,
    });
    expect(
      await value("api", { kind: "all", sql: "-- leading\nSELECT 1 AS one; -- trailing" }),
    ).toMatchObject({ results: [{ one: 1 }] });
  });

  it("batch() runs in one transaction: all results, or a failure naming the error and nothing kept", async () => {
    const results = (await value("api", {
      kind: "batch",
      statements: [
        { sql: "INSERT INTO items (name) VALUES (?)", params: ["fig"] },
        { sql: "UPDATE items SET price = 7 WHERE name = ?", params: ["fig"] },
        { sql: "SELECT name, price FROM items WHERE name = ?", params: ["fig"] },
      ],
    })) as Array<{ success: boolean; results: unknown[]; meta: { changes: number } }>;
    expect(results.map((result) => result.success)).toEqual([true, true, true]);
    expect(results[1]!.meta.changes).toBe(1);
    expect(results[2]!.results).toEqual([{ name: "fig", price: 7 }]);

    const before = await value("api", { kind: "first", sql: "SELECT count(*) AS n FROM items", column: "n" });
    expect(
      await one("api", {
        kind: "batch",
        statements: [
          { sql: "INSERT INTO items (name) VALUES (?)", params: ["kiwi"] },
          { sql: "DELETE FROM items WHERE name = ?", params: ["fig"] },
          { sql: "INSERT INTO items (name) VALUES (?)", params: ["apple"] },
        ],
      }),
    ).toEqual({ error: "D1_ERROR: UNIQUE constraint failed: items.name: SQLITE_CONSTRAINT" });
    expect(await value("api", { kind: "first", sql: "SELECT count(*) AS n FROM items", column: "n" })).toBe(
      before,
    );
    expect(
      await value("api", { kind: "first", sql: "SELECT name FROM items WHERE name = 'fig'", column: "name" }),
    ).toBe("fig");
  });

  it("exec() runs one statement per line and counts them; a failing line rolls the exec back", async () => {
    expect(
      await value("api", {
        kind: "exec",
        sql: "CREATE TABLE notes (body TEXT);\nINSERT INTO notes VALUES ('a');\n\nINSERT INTO notes VALUES ('b');",
      }),
    ).toEqual({ count: 3, duration: expect.any(Number) });
    expect(
      await one("api", {
        kind: "exec",
        sql: "INSERT INTO notes VALUES ('c');\nINSERT INTO nope VALUES (1);",
      }),
    ).toEqual({
      error:
        "D1_EXEC_ERROR: Error in line 1: INSERT INTO notes VALUES ('c');: no such table: nope: SQLITE_ERROR",
    });
    expect(await value("api", { kind: "raw", sql: "SELECT body FROM notes ORDER BY body" })).toEqual([
      ["a"],
      ["b"],
    ]);
  });

  it("runs several statements of one prepare in order and answers the last; trigger bodies stay whole", async () => {
    const answer = await value("api", {
      kind: "all",
      sql: `CREATE TABLE log (what TEXT);
        CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
          INSERT INTO log VALUES (CASE WHEN new.price IS NULL THEN 'free' ELSE 'priced' END);
        END;
        INSERT INTO items (name, price) VALUES ('lime', 1);
        SELECT what FROM log`,
    });
    expect(answer).toMatchObject({ results: [{ what: "priced" }], meta: { changed_db: true } });
  });

  it("refuses what D1 refuses: transaction statements, ATTACH, VACUUM, most pragmas, temporary tables", async () => {
    for (const sql of ["BEGIN TRANSACTION", "COMMIT", "SAVEPOINT sp1", "RELEASE sp1", "ROLLBACK"]) {
      expect(await one("api", { kind: "run", sql })).toEqual({
        error: `D1_ERROR: ${d1Messages.transaction}`,
      });
    }
    expect(await one("api", { kind: "run", sql: "ATTACH DATABASE 'other.sqlite' AS other" })).toEqual({
      error: "D1_ERROR: not authorized: SQLITE_AUTH",
    });
    expect((await one("api", { kind: "run", sql: "VACUUM" })).error).toMatch(/^D1_ERROR: .*SQLITE_AUTH$/);
    expect(await one("api", { kind: "run", sql: "PRAGMA journal_mode = DELETE" })).toEqual({
      error: "D1_ERROR: not authorized: SQLITE_AUTH",
    });
    expect(await one("api", { kind: "run", sql: "CREATE TEMP TABLE t (a)" })).toEqual({
      error: "D1_ERROR: not authorized: SQLITE_AUTH",
    });
    expect(await value("api", { kind: "raw", sql: "PRAGMA table_info(notes)" })).toEqual([
      [0, "body", "TEXT", 0, null, 0],
    ]);
    expect(
      await one("api", { kind: "run", sql: "CREATE VIRTUAL TABLE places USING rtree(id, x0, x1)" }),
    ).toEqual({
      error: "D1_ERROR: not authorized: SQLITE_AUTH",
    });
    await value("api", { kind: "run", sql: "CREATE VIRTUAL TABLE search USING fts5(body)" });
    await value("api", { kind: "run", sql: "INSERT INTO search VALUES ('full text search works')" });
    expect(
      await value("api", { kind: "raw", sql: "SELECT body FROM search WHERE search MATCH 'text'" }),
    ).toEqual([["full text search works"]]);
    // Foreign keys are on, as in D1; a setting changed by PRAGMA lasts for its call only.
    expect(await value("api", { kind: "first", sql: "PRAGMA foreign_keys", column: "foreign_keys" })).toBe(1);
    await value("api", { kind: "run", sql: "PRAGMA foreign_keys = OFF" });
    expect(await value("api", { kind: "first", sql: "PRAGMA foreign_keys", column: "foreign_keys" })).toBe(1);
  });

  it("withSession() answers bookmarks that grow with every call; a session resumed at one keeps it", async () => {
    for (const constraint of [undefined, "first-primary", "first-unconstrained"]) {
      const bookmarks = (await value("api", {
        kind: "session",
        ...(constraint === undefined ? {} : { constraint }),
        ops: [
          { kind: "first", sql: "SELECT 1" },
          { kind: "run", sql: "INSERT INTO notes VALUES ('s')" },
          { kind: "all", sql: "SELECT 2" },
        ],
      })) as Array<string | null>;
      expect(bookmarks[0]).toBeNull();
      for (const bookmark of bookmarks.slice(1)) expect(bookmark).toMatch(/^[0-9a-f]{12}-[0-9a-f]{8}$/);
      expect(bookmarks[2]!.localeCompare(bookmarks[1]!)).toBeGreaterThan(0);
      expect(bookmarks[3]!.localeCompare(bookmarks[2]!)).toBeGreaterThan(0);
    }
    const [, latest] = (await value("api", {
      kind: "session",
      ops: [{ kind: "first", sql: "SELECT 1" }],
    })) as [null, string];
    const resumed = (await value("api", {
      kind: "session",
      constraint: latest,
      ops: [{ kind: "all", sql: "SELECT 3" }],
    })) as Array<string | null>;
    expect(resumed[0]).toBe(latest);
    expect(resumed[1]!.localeCompare(latest)).toBeGreaterThan(0);
  });

  it("refuses results larger than 64 MiB instead of running the server out of memory", async () => {
    expect(
      await one("api", {
        kind: "all",
        sql: "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 40) SELECT randomblob(2000000) FROM r",
      }),
    ).toEqual({ error: `D1_ERROR: ${d1Messages.resultTooLarge(MAX_RESULT_BYTES)}` });
    expect(await value("api", { kind: "first", sql: "SELECT 1 AS fine", column: "fine" })).toBe(1);
  });

  it("dump() answers the database file", async () => {
    const dumped = (await value("api", { kind: "dump" })) as { size: number; header: string };
    expect(dumped.header).toBe("SQLite format 3");
    expect(dumped.size).toBeGreaterThan(4096);
  });
});

describe("C/E.1 migrations applied at deploy", () => {
  it("are seen by the app on the same file, recorded in _w7s_migrations", async () => {
    const applied = applySqlMigrations(databaseFile(dataDir, "migrated"), [
      {
        name: "migrations/0001_create_notes.sql",
        sql: "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);",
      },
      { name: "migrations/0002_seed.sql", sql: "INSERT INTO notes (body) VALUES ('Hello from W7S');" },
    ]);
    expect(applied).toEqual(["migrations/0001_create_notes.sql", "migrations/0002_seed.sql"]);
    await publish(bundleOf("migrated", [{ type: "d1", name: "DB", databaseId: "migrated" }]));
    expect(await value("migrated", { kind: "raw", sql: "SELECT id, body FROM notes" })).toEqual([
      [1, "Hello from W7S"],
    ]);
    expect(
      await value("migrated", { kind: "raw", sql: "SELECT name FROM _w7s_migrations ORDER BY name" }),
    ).toEqual([["migrations/0001_create_notes.sql"], ["migrations/0002_seed.sql"]]);
    // A later deploy applies only the new file, while the app has the database open.
    await value("migrated", { kind: "run", sql: "INSERT INTO notes (body) VALUES ('from the app')" });
    expect(
      applySqlMigrations(databaseFile(dataDir, "migrated"), [
        { name: "migrations/0001_create_notes.sql", sql: "CREATE TABLE notes (x)" },
        { name: "migrations/0003_tags.sql", sql: "ALTER TABLE notes ADD COLUMN tag TEXT DEFAULT 'none';" },
      ]),
    ).toEqual(["migrations/0003_tags.sql"]);
    expect(await value("migrated", { kind: "raw", sql: "SELECT body, tag FROM notes ORDER BY id" })).toEqual([
      ["Hello from W7S", "none"],
      ["from the app", "none"],
    ]);
  }, 30_000);
});

describe("a runaway query", () => {
  it("is stopped at the time limit while another database keeps answering; the next call works", async () => {
    await publish(
      bundleOf("runaway", [
        { type: "d1", name: "DB", databaseId: "spinning" },
        { type: "d1", name: "OTHER", databaseId: "calm" },
      ]),
    );
    await value("runaway", { kind: "exec", sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)" }, "OTHER");
    const started = Date.now();
    const spinning = one("runaway", {
      kind: "first",
      sql: "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
    });
    // The server's main thread (this process) is not held up: its timers keep firing on time.
    let lag = 0;
    let tick = Date.now();
    const ticker = setInterval(() => {
      lag = Math.max(lag, Date.now() - tick - 20);
      tick = Date.now();
    }, 20);
    await new Promise((done) => setTimeout(done, 200));
    // Nor is another database: its first call may start a second SQL process, the others find it running.
    const asked = Date.now();
    await value("runaway", { kind: "run", sql: "INSERT INTO t DEFAULT VALUES" }, "OTHER");
    expect(Date.now() - asked).toBeLessThan(1500);
    for (let index = 0; index < 4; index += 1) {
      const again = Date.now();
      await value("runaway", { kind: "run", sql: "INSERT INTO t DEFAULT VALUES" }, "OTHER");
      expect(Date.now() - again).toBeLessThan(500);
    }
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_MS);
    clearInterval(ticker);
    expect(lag).toBeLessThan(500);
    expect(await spinning).toEqual({
      error: `D1_ERROR: The query ran longer than the time limit of ${TIME_LIMIT_MS} ms and was stopped: SQLITE_INTERRUPT`,
    });
    expect(Date.now() - started).toBeLessThan(TIME_LIMIT_MS + 1500);
    expect(await value("runaway", { kind: "first", sql: "SELECT 42 AS answer", column: "answer" })).toBe(42);
    expect(
      await value("runaway", { kind: "first", sql: "SELECT count(*) AS n FROM t", column: "n" }, "OTHER"),
    ).toBe(5);
  }, 30_000);

  it("stopped inside a batch, it leaves nothing of the batch behind", async () => {
    await value("runaway", { kind: "exec", sql: "CREATE TABLE kept (v TEXT)" });
    const answer = await one("runaway", {
      kind: "batch",
      statements: [
        { sql: "INSERT INTO kept VALUES ('lost')" },
        { sql: "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r" },
      ],
    });
    expect(answer.error).toMatch(/time limit/);
    expect(
      await value("runaway", { kind: "first", sql: "SELECT count(*) AS n FROM kept", column: "n" }),
    ).toBe(0);
    await value("runaway", { kind: "run", sql: "INSERT INTO kept VALUES ('written')" });
    expect(await value("runaway", { kind: "raw", sql: "SELECT v FROM kept" })).toEqual([["written"]]);
  }, 30_000);

  it("a huge cross join is stopped the same way", async () => {
    await value("runaway", {
      kind: "exec",
      sql: "CREATE TABLE n (i INTEGER);\nINSERT INTO n WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x FROM c;",
    });
    const answer = await one("runaway", { kind: "first", sql: "SELECT count(*) FROM n a, n b, n c, n d" });
    expect(answer.error).toMatch(/time limit/);
    expect(await value("runaway", { kind: "first", sql: "SELECT count(*) AS n FROM n", column: "n" })).toBe(
      2000,
    );
  }, 30_000);
});

describe("isolation between apps", () => {
  it("an app cannot reach another app's database by any SQL", async () => {
    await publish(bundleOf("victim", [{ type: "d1", name: "DB", databaseId: "victim" }]));
    await value("victim", {
      kind: "exec",
      sql: "CREATE TABLE secrets (s TEXT);\nINSERT INTO secrets VALUES ('hunter2');",
    });
    await publish(bundleOf("intruder", [{ type: "d1", name: "DB", databaseId: "intruder" }]));
    const victimFile = databaseFile(dataDir, "victim");
    const before = readFileSync(victimFile);
    for (const sql of [
      `ATTACH DATABASE '${victimFile}' AS v`,
      `ATTACH DATABASE 'file:${victimFile}?mode=ro' AS v`,
      `VACUUM INTO '${victimFile}'`,
      `VACUUM INTO '${join(dataDir, "copy.sqlite")}'`,
      `SELECT load_extension('${victimFile}')`,
      "PRAGMA database_list",
      "SELECT * FROM v.secrets",
    ]) {
      const answer = await one("intruder", { kind: "all", sql });
      expect(answer.error, sql).toMatch(/^D1_ERROR: /);
      expect(JSON.stringify(answer)).not.toContain("hunter2");
    }
    expect(readFileSync(victimFile).equals(before)).toBe(true);
    expect(() => statSync(join(dataDir, "copy.sqlite"))).toThrow();
  }, 30_000);

  it("the bindings host answers 403 to a missing, forged or foreign grant", async () => {
    const grants = makeGrantSigner(dataDir);
    const otherServer = makeGrantSigner(mkdtempSync(join(tmpdir(), "w7s-other-")));
    const db = makeDbGateway({ dataDir });
    const socketPath = join(mkdtempSync(join(tmpdir(), "w7s-host-")), "b.sock");
    const host = await startBindingsHost({
      socketPath,
      grants,
      gateways: { kv: makeKvGateway({ dataDir }), fs: makeFsGateway({ dataDir }), db },
      usage: () => undefined,
    });
    const post = (grant: string | undefined) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const body = JSON.stringify({ sql: "SELECT s FROM secrets", params: [] });
        const outgoing = httpRequest(
          {
            socketPath,
            method: "POST",
            path: "/query?resultsFormat=ROWS_AND_COLUMNS",
            headers: {
              "content-type": "application/json",
              ...(grant === undefined ? {} : { [GRANT_HEADER]: grant }),
            },
          },
          (incoming) => {
            let text = "";
            incoming.on("data", (chunk: Buffer) => {
              text += chunk.toString();
            });
            incoming.on("end", () => done({ status: incoming.statusCode ?? 0, body: text }));
          },
        );
        outgoing.on("error", fail);
        outgoing.end(body);
      });
    try {
      const intruderGrant = grants.issue({
        kind: "db",
        resourceId: "intruder",
        binding: "DB",
        app: app("intruder"),
      });
      const [payload, signature] = intruderGrant.split(".") as [string, string];
      const edited = Buffer.from(
        Buffer.from(payload, "base64url").toString().replace('"intruder"', '"victim"'),
      ).toString("base64url");
      expect((await post(undefined)).status).toBe(403);
      expect((await post(`${edited}.${signature}`)).status).toBe(403);
      expect(
        (
          await post(
            otherServer.issue({ kind: "db", resourceId: "victim", binding: "DB", app: app("victim") }),
          )
        ).status,
      ).toBe(403);
      // The intruder's own grant reaches only the intruder's database.
      const own = await post(intruderGrant);
      expect(own.status).toBe(200);
      expect(JSON.parse(own.body)).toEqual({ success: false, error: "no such table: secrets: SQLITE_ERROR" });
      // This server's grant of the victim's database does reach it: the grant is the capability.
      const victim = await post(
        grants.issue({ kind: "db", resourceId: "victim", binding: "DB", app: app("victim") }),
      );
      expect(JSON.parse(victim.body)[0].results).toEqual({ columns: ["s"], rows: [["hunter2"]] });
      expect(victim.status).toBe(200);
    } finally {
      await host.close();
    }
  }, 30_000);
});

describe("F.1 usage of SQL databases", () => {
  it("counts each statement as a read or a write query with its rows, and failures as errors", async () => {
    await publish(bundleOf("counted", [{ type: "d1", name: "DB", databaseId: "counted" }]));
    const ofApp = () => usage.filter((event) => event.app.repoSlug === "counted");
    await value("counted", { kind: "exec", sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)" });
    usage.splice(0, usage.length, ...usage.filter((event) => event.app.repoSlug !== "counted"));

    await value("counted", { kind: "run", sql: "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')" });
    await value("counted", { kind: "all", sql: "SELECT * FROM t" });
    await value("counted", { kind: "first", sql: "SELECT v FROM t WHERE id = ?", params: [2] });
    await value("counted", {
      kind: "batch",
      statements: [
        { sql: "UPDATE t SET v = 'z' WHERE id > 1" },
        { sql: "SELECT count(*) FROM t" },
        { sql: "DELETE FROM t WHERE id = 99" },
      ],
    });
    await one("counted", { kind: "run", sql: "INSERT INTO t (id) VALUES (1)" });
    await one("counted", { kind: "all", sql: "SELECT * FROM nowhere" });

    const totals = new Map<string, { count: number; units: number }>();
    for (const event of ofApp()) {
      const key = `${event.metric} ${event.outcome}`;
      const total = totals.get(key) ?? { count: 0, units: 0 };
      total.count += event.count;
      total.units += event.units;
      totals.set(key, total);
    }
    expect(Object.fromEntries(totals)).toEqual({
      // insert; update
      "d1.write_queries success": { count: 2, units: 2 },
      // select *, select by id, select count(*), the delete that matched nothing
      "d1.read_queries success": { count: 4, units: 4 },
      // insert 3, select * 3, select by id 1, update 2, count 1
      "d1.rows_read success": { count: 5, units: 10 },
      // insert 3, update 2
      "d1.rows_written success": { count: 2, units: 5 },
      "d1.write_queries error": { count: 1, units: 1 },
      "d1.read_queries error": { count: 1, units: 1 },
    });
  }, 30_000);
});

describe("drizzle-orm's D1 driver, unchanged", () => {
  it("inserts, selects and runs a batch as a transaction", async () => {
    const bundled = await build({
      stdin: {
        contents: `
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
const notes = sqliteTable("notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  body: text("body").notNull().unique(),
  createdAt: text("created_at").notNull().default(sql\`CURRENT_TIMESTAMP\`),
});
export default {
  async fetch(request, env) {
    const db = drizzle(env.DB);
    await db.run(sql\`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)\`);
    const [first] = await db.insert(notes).values({ body: "first" }).returning();
    const batch = await db.batch([
      db.insert(notes).values({ body: "second" }).returning({ id: notes.id }),
      db.update(notes).set({ body: "first, edited" }).where(eq(notes.id, first.id)),
      db.select({ body: notes.body }).from(notes).orderBy(notes.id),
    ]);
    let failed;
    try {
      await db.batch([db.insert(notes).values({ body: "third" }), db.insert(notes).values({ body: "second" })]);
    } catch (error) {
      failed = String(error.cause?.message ?? error.message);
    }
    const rows = await db.select().from(notes).orderBy(notes.id);
    const one = await db.select({ body: notes.body }).from(notes).where(eq(notes.id, first.id)).get();
    let transaction;
    try { await db.transaction(async () => {}); } catch (error) { transaction = String(error.cause?.message ?? error.message); }
    return Response.json({ first, inserted: batch[0], listed: batch[2], failed, bodies: rows.map((row) => row.body), one, transaction });
  },
};`,
        resolveDir: resolve(import.meta.dirname, ".."),
        sourcefile: "drizzle-app.ts",
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      write: false,
    });
    await publish(
      bundleOf("drizzle", [{ type: "d1", name: "DB", databaseId: "drizzle" }], bundled.outputFiles[0]!.text),
    );
    const response = await Effect.runPromise(
      runtime.service.dispatch("drizzle", new Request("http://app.test/notes")),
    );
    expect(await response.json()).toEqual({
      first: { id: 1, body: "first", createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) },
      inserted: [{ id: 2 }],
      listed: [{ body: "first, edited" }, { body: "second" }],
      failed: "UNIQUE constraint failed: notes.body: SQLITE_CONSTRAINT",
      bodies: ["first, edited", "second"],
      one: { body: "first, edited" },
      transaction: `D1_ERROR: ${d1Messages.transaction}`,
    });
  }, 60_000);
});

describe("the D1 bookmark header", () => {
  it("is the one workerd's binding sends", () => {
    expect(BOOKMARK_HEADER).toBe("x-cf-d1-session-commit-token");
  });
});
