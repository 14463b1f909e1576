/**
 * The consumer half of the cross-owner pair: it owns the `jobs` queue, and its `queue.allow` lets exactly one
 * app of another owner, `demo/queue-producer`, send to it. It keeps the latest processed message.
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/jobs" && request.method === "POST") {
      const batch = await request.json();
      const last = batch.messages.at(-1);
      await env.STATE.put(
        "latest",
        JSON.stringify({
          id: last.id,
          body: last.body,
          from: last.caller?.repository ?? null,
          attempts: last.attempts,
          enqueuedAt: last.enqueuedAt,
          processedAt: new Date().toISOString(),
        }),
      );
      const processed = Number((await env.STATE.get("processed")) ?? "0") + batch.messages.length;
      await env.STATE.put("processed", String(processed));
      return Response.json({ ok: true, processed: batch.messages.length });
    }
    if (url.pathname === "/latest") {
      return Response.json({
        latest: await env.STATE.get("latest", "json"),
        processed: Number((await env.STATE.get("processed")) ?? "0"),
      });
    }
    if (url.pathname === "/")
      return Response.json({ app: "queue-consumer", owner: env.W7S_OWNER, try: ["latest"] });
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
