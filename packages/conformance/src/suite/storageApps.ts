/**
 * Apps that use the storage bindings through the Workers APIs (KV, R2, D1, Durable Objects), for the
 * storage scenarios. Each route runs one binding call named by the path, with arguments from the query,
 * and answers `{ ok: <result> }` or `{ error: <message> }`, so a scenario asserts Workers semantics only.
 */
import type { ArchiveFiles } from "./archives.js";

const ATTEMPT = `const attempt = async (run) => {
  try { return Response.json({ ok: (await run()) ?? null }); }
  catch (error) { return Response.json({ error: String(error?.message ?? error) }); }
};
const arg = (url, name) => url.searchParams.get(name);
const json = (url, name) => (arg(url, name) === null ? undefined : JSON.parse(arg(url, name)));
`;

/** A KV app: `/put?key=&value=&options=`, `/get`, `/meta`, `/list`, `/delete`, `/put-size?key=&size=`. */
export const kvApp = (manifest: unknown): ArchiveFiles => ({
  "w7s.json": JSON.stringify(manifest),
  "backend/index.js": `${ATTEMPT}
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const kv = env[arg(url, "binding") ?? "STORE"];
    switch (url.pathname) {
      case "/put": return attempt(() => kv.put(arg(url, "key"), arg(url, "value"), json(url, "options")));
      case "/put-size": return attempt(() => kv.put(arg(url, "key"), "x".repeat(Number(arg(url, "size")))));
      case "/get": return attempt(() => kv.get(arg(url, "key"), json(url, "options")));
      case "/meta": return attempt(() => kv.getWithMetadata(arg(url, "key"), json(url, "options")));
      case "/list": return attempt(() => kv.list(json(url, "options")));
      case "/delete": return attempt(() => kv.delete(arg(url, "key")));
      default: return new Response("no such route", { status: 404 });
    }
  },
};
`,
});

/** An R2 app: `/put?key=&value=&options=`, `/get?key=&options=`, `/head`, `/list?options=`, `/delete`. */
export const bucketApp = (manifest: unknown): ArchiveFiles => ({
  "w7s.json": JSON.stringify(manifest),
  "backend/index.js": `${ATTEMPT}
const described = async (object) => object === null ? null : ({
  key: object.key, size: object.size, etag: object.etag, httpEtag: object.httpEtag,
  httpMetadata: object.httpMetadata, customMetadata: object.customMetadata,
  text: typeof object.text === "function" ? await object.text() : undefined,
});
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const bucket = env[arg(url, "binding") ?? "FILES"];
    switch (url.pathname) {
      case "/put": return attempt(async () => described(await bucket.put(arg(url, "key"), arg(url, "value"), json(url, "options"))));
      case "/get": return attempt(async () => described(await bucket.get(arg(url, "key"), json(url, "options"))));
      case "/head": return attempt(async () => described(await bucket.head(arg(url, "key"))));
      case "/list": return attempt(async () => {
        const listed = await bucket.list(json(url, "options"));
        return { keys: listed.objects.map((object) => object.key), truncated: listed.truncated, delimitedPrefixes: listed.delimitedPrefixes };
      });
      case "/delete": return attempt(() => bucket.delete(json(url, "keys") ?? arg(url, "key")));
      default: return new Response("no such route", { status: 404 });
    }
  },
};
`,
});

/** A notes API on D1: `POST /notes` (text body), `GET /notes`, `GET /tables`, `POST /batch-fail`. */
export const notesApp = (manifest: unknown, migrations: Readonly<Record<string, string>>): ArchiveFiles => ({
  "w7s.json": JSON.stringify(manifest),
  ...Object.fromEntries(Object.entries(migrations).map(([name, sql]) => [`migrations/${name}`, sql])),
  "backend/index.js": `${ATTEMPT}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const db = env[arg(url, "binding") ?? "DB"];
    if (url.pathname === "/notes" && request.method === "POST") {
      const body = await request.text();
      return attempt(async () => {
        const result = await db.prepare("insert into notes (body) values (?1)").bind(body).run();
        return { changes: result.meta.changes, id: result.meta.last_row_id };
      });
    }
    if (url.pathname === "/notes") return attempt(async () => (await db.prepare("select id, body from notes order by id").all()).results);
    if (url.pathname === "/count") return attempt(() => db.prepare("select count(*) as n from notes").first("n"));
    if (url.pathname === "/tables") return attempt(async () => (await db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' order by name").raw()).map((row) => row[0]));
    if (url.pathname === "/migrations") return attempt(async () => (await db.prepare("select name from _w7s_migrations order by name").raw()).map((row) => row[0]));
    if (url.pathname === "/batch-fail") return attempt(() => db.batch([
      db.prepare("insert into notes (body) values ('in a failed batch')"),
      db.prepare("insert into no_such_table values (1)"),
    ]));
    return new Response("no such route", { status: 404 });
  },
};
`,
});

/** A counter Durable Object: `/increment?name=` answers the new value; `/peek?name=` the current one. */
export const counterApp = (
  version: string,
  manifest: unknown = { bindings: { durableObjects: ["Counter"] } },
): ArchiveFiles => ({
  "w7s.json": JSON.stringify(manifest),
  "backend/index.js": `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment() {
    const value = ((await this.ctx.storage.get("value")) ?? 0) + 1;
    await this.ctx.storage.put("value", value);
    return value;
  }
  async peek() { return (await this.ctx.storage.get("value")) ?? 0; }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.Counter.get(env.Counter.idFromName(url.searchParams.get("name") ?? "main"));
    if (url.pathname === "/increment") return Response.json({ version: "${version}", value: await stub.increment() });
    if (url.pathname === "/peek") return Response.json({ version: "${version}", value: await stub.peek() });
    return new Response("no such route", { status: 404 });
  },
};
`,
});
