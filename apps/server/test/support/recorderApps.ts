/**
 * Apps for the server's durability tests. They record what the platform delivered in KV under unique keys
 * (KV is shared safely by several server processes on one data directory) and list those keys back.
 */
import { strToU8, zipSync } from "fflate";

const LIST = `const listAll = async (kv, prefix) => {
  const names = [];
  let cursor;
  do {
    const page = await kv.list({ prefix, cursor });
    for (const key of page.keys) names.push(key.name);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return names;
};`;

/**
 * A queue consumer: every delivered message is recorded as `seen:<n>:<id>:<attempts>`; each batch takes
 * `delayMs` to process, so a server can be killed while batches are in flight. `/produce?count=&target=`
 * enqueues `{ n }` for n in 0..count-1 through W7S_QUEUE.
 */
export const consumerApp = (delayMs: number) =>
  zipSync({
    "w7s.json": strToU8(JSON.stringify({ bindings: { kv: ["SEEN"] }, queues: ["jobs"] })),
    "backend/index.js": strToU8(`${LIST}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/jobs" && request.method === "POST") {
      const batch = await request.json();
      await Promise.all(batch.messages.map((message) =>
        env.SEEN.put("seen:" + message.body.n + ":" + message.id + ":" + message.attempts, "1")));
      await new Promise((done) => setTimeout(done, ${delayMs}));
      return Response.json({ processed: batch.messages.length });
    }
    if (url.pathname === "/produce") {
      const count = Number(url.searchParams.get("count"));
      const target = url.searchParams.get("target");
      let failed = 0;
      for (let start = 0; start < count; start += 25) {
        const sends = [];
        for (let n = start; n < Math.min(count, start + 25); n += 1)
          sends.push(env.W7S_QUEUE.fetch("https://w7s.internal/api/v1/queues/" + target, {
            method: "POST",
            headers: { authorization: "Bearer " + env.W7S_QUEUE_TOKEN, "content-type": "application/json" },
            body: JSON.stringify({ n }),
          }).then((response) => { if (!response.ok) failed += 1; }));
        await Promise.all(sends);
      }
      return Response.json({ sent: count - failed, failed });
    }
    if (url.pathname === "/seen") return Response.json(await listAll(env.SEEN, "seen:"));
    return new Response("not found", { status: 404 });
  },
};
`),
  });

/** A schedule consumer: each delivery is recorded as `tick:<scheduledTime>:<uuid>`; `/ticks` lists them. */
export const tickerApp = () =>
  zipSync({
    "w7s.json": strToU8(
      JSON.stringify({
        bindings: { kv: ["TICKS"] },
        schedules: [{ cron: "* * * * *", path: "/_w7s/schedules/tick" }],
      }),
    ),
    "backend/index.js": strToU8(`${LIST}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/schedules/tick" && request.method === "POST") {
      const job = await request.json();
      await env.TICKS.put("tick:" + job.scheduledTime + ":" + crypto.randomUUID(), request.headers.get("x-w7s-schedule-time") ?? "");
      return Response.json({ ok: true });
    }
    if (url.pathname === "/ticks") return Response.json(await listAll(env.TICKS, "tick:"));
    return new Response("not found", { status: 404 });
  },
};
`),
  });

/**
 * An event subscriber: `orders.created` arrives on its queue `inbox`, and every delivered event is recorded
 * as `seen:<data.n>:<event id>:<message id>:<attempts>`; each batch takes `delayMs`, as in `consumerApp`.
 */
export const eventSubscriberApp = (delayMs: number) =>
  zipSync({
    "w7s.json": strToU8(
      JSON.stringify({
        bindings: { kv: ["SEEN"] },
        queues: ["inbox"],
        events: { subscribe: [{ subject: "orders.created", queue: "inbox" }] },
      }),
    ),
    "backend/index.js": strToU8(`${LIST}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/inbox" && request.method === "POST") {
      const batch = await request.json();
      await Promise.all(batch.messages.map((message) =>
        env.SEEN.put(["seen", message.body.data.n, message.body.id, message.id, message.attempts].join(":"), "1")));
      await new Promise((done) => setTimeout(done, ${delayMs}));
      return Response.json({ processed: batch.messages.length });
    }
    if (url.pathname === "/seen") return Response.json(await listAll(env.SEEN, "seen:"));
    return new Response("not found", { status: 404 });
  },
};
`),
  });

/** An event publisher: `/publish?count=` publishes `orders.created` with `{ n }` for n in 0..count-1. */
export const eventPublisherApp = () =>
  zipSync({
    "w7s.json": strToU8(JSON.stringify({ events: { publish: ["orders.created"] } })),
    "backend/index.js": strToU8(`export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/publish") return new Response("not found", { status: 404 });
    const count = Number(url.searchParams.get("count"));
    let failed = 0;
    for (let start = 0; start < count; start += 25) {
      const publishes = [];
      for (let n = start; n < Math.min(count, start + 25); n += 1)
        publishes.push(env.W7S_EVENTS.fetch("https://w7s.internal/api/v1/events/" + env.W7S_REPOSITORY, {
          method: "POST",
          headers: { authorization: "Bearer " + env.W7S_EVENTS_TOKEN, "content-type": "application/json" },
          body: JSON.stringify({ subject: "orders.created", data: { n } }),
        }).then((response) => { if (!response.ok) failed += 1; }));
      await Promise.all(publishes);
    }
    return Response.json({ published: count - failed, failed });
  },
};
`),
  });
