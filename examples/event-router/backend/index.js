/**
 * The event router of the fan-out example: publishers send `{ subject, data }` to its `events` queue; for
 * each subject it forwards one copy to every subscribed queue. The subscriptions live here, in code, so the
 * topology is readable from one repository (this is the NATS subject fan-out, made explicit).
 */
const SUBSCRIPTIONS = {
  "orders.created": ["email-worker/emails", "order-api/order-status"],
};

const forward = (env, queue, event) =>
  env.W7S_QUEUE.fetch(`https://w7s.internal/api/v1/queues/${env.W7S_OWNER}/${queue}`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.W7S_QUEUE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(event),
  });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/events" && request.method === "POST") {
      const batch = await request.json();
      for (const message of batch.messages) {
        const event = message.body;
        const subscribers = SUBSCRIPTIONS[event.subject] ?? [];
        const answers = await Promise.all(subscribers.map((queue) => forward(env, queue, event)));
        // Any failed forward fails the batch: the queue retries it, and subscribers see at-least-once delivery.
        const failed = answers.findIndex((answer) => !answer.ok);
        if (failed >= 0) return new Response(`forward to ${subscribers[failed]} failed`, { status: 502 });
        await env.ROUTED.put(
          `routed:${new Date().toISOString()}:${message.id}`,
          JSON.stringify({
            subject: event.subject,
            from: message.caller?.repository ?? null,
            to: subscribers,
          }),
        );
      }
      return Response.json({ routed: batch.messages.length });
    }
    if (url.pathname === "/subscriptions") return Response.json(SUBSCRIPTIONS);
    if (url.pathname === "/events") {
      const listed = await env.ROUTED.list({ prefix: "routed:" });
      const recent = await Promise.all(
        listed.keys
          .slice(-20)
          .reverse()
          .map(async (key) => ({
            at: key.name.split(":").slice(1, -1).join(":"),
            ...(await env.ROUTED.get(key.name, "json")),
          })),
      );
      return Response.json({ events: recent });
    }
    if (url.pathname === "/") return Response.json({ app: "event-router", try: ["subscriptions", "events"] });
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
