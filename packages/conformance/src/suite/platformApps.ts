/**
 * The app the platform-service scenarios deploy (E.3-E.7). Every platform delivery it receives (queue
 * batches, schedules, workflow steps) is recorded by its stateful object with the headers and body it came
 * with; `/call` makes one internal API call through a platform binding and answers what came back; any
 * other request is echoed, so an RPC caller sees exactly what the target received.
 */
import type { ArchiveFiles } from "./archives.js";

const BACKEND = `import { DurableObject } from "cloudflare:workers";
export class Recorder extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("create table if not exists events (id integer primary key, kind text not null, data text not null)");
  }
  record(kind, data) {
    this.ctx.storage.sql.exec("insert into events (kind, data) values (?, ?)", kind, JSON.stringify(data));
  }
  count(kind, instanceId) {
    return this.ctx.storage.sql.exec("select data from events where kind = ?", kind).toArray()
      .filter((row) => JSON.parse(row.data).body.instanceId === instanceId).length;
  }
  list(prefix) {
    return this.ctx.storage.sql.exec("select kind, data from events where substr(kind, 1, ?) = ? order by id", prefix.length, prefix)
      .toArray().map((row) => ({ kind: row.kind, ...JSON.parse(row.data) }));
  }
}
const shown = (headers) => Object.fromEntries([...headers].filter(([name]) =>
  name.startsWith("x-w7s-") || name === "authorization" || name === "content-type" || name === "cookie"));
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    const query = (name) => url.searchParams.get(name);
    const recorder = env.Recorder.get(env.Recorder.idFromName("events"));
    if (request.method === "POST" && path.startsWith("/_w7s/")) {
      const body = await request.json();
      let status = 200;
      if (path.startsWith("/_w7s/queues/")) {
        const failing = body.messages.some((message) => message.body !== null && typeof message.body === "object" &&
          (message.body.alwaysFail === true || (message.body.failAttempts ?? 0) >= message.attempts));
        if (failing) status = 500;
      }
      if (path.startsWith("/_w7s/workflows/")) {
        const earlier = await recorder.count(path, body.instanceId);
        if ((body.payload?.failAttempts ?? 0) > earlier) status = 503;
      }
      await recorder.record(path, { headers: shown(request.headers), body, status });
      return status === 200 ? Response.json({ received: path }) : new Response("not yet", { status });
    }
    if (path === "/events") return Response.json(await recorder.list(query("kind") ?? ""));
    if (path === "/token") return new Response(env[query("name")] ?? "");
    if (path === "/call") {
      const service = query("service") ?? "W7S_RPC";
      const headers = new Headers(JSON.parse(query("headers") ?? "{}"));
      const token = query("token") ?? env[service + "_TOKEN"];
      if (token !== "") headers.set("authorization", "Bearer " + token);
      const method = query("method") ?? "GET";
      const body = query("bodySize") === null ? query("body") : JSON.stringify("x".repeat(Number(query("bodySize"))));
      const response = await env[service].fetch("https://w7s.internal" + query("api"), {
        method, headers, body: method === "GET" ? undefined : (body ?? undefined),
      });
      const text = await response.text();
      let answer;
      try { answer = JSON.parse(text); } catch { answer = text; }
      return Response.json({ status: response.status, body: answer, headers: Object.fromEntries(response.headers) });
    }
    return Response.json({
      path, search: url.search, method: request.method, headers: shown(request.headers), body: await request.text(),
      app: { owner: env.W7S_OWNER, repo: env.W7S_REPO, environment: env.W7S_ENVIRONMENT },
    });
  },
};
`;

/** The probe app with `manifest` (its `Recorder` stateful object is added). */
export const platformApp = (manifest: Record<string, unknown> = {}): ArchiveFiles => ({
  "w7s.json": JSON.stringify({ ...manifest, bindings: { durableObjects: ["Recorder"] } }),
  "backend/index.js": BACKEND,
});
