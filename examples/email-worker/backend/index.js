/**
 * The email worker of the fan-out example: its w7s.json subscribes its `emails` queue to `orders.created`,
 * and it writes each order confirmation it would send to its outbox, keyed by event id so a redelivery does
 * not send twice (a real worker would call an email API here). Returning non-2xx would make the platform
 * retry the whole batch, 10 s later, up to three times.
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/emails" && request.method === "POST") {
      const batch = await request.json();
      for (const message of batch.messages) {
        const event = message.body;
        const { orderId, item, email } = event.data;
        await env.OUTBOX.put(
          `sent:${event.time}:${event.id}`,
          JSON.stringify({
            to: email,
            subject: `Your order of ${item}`,
            orderId,
            eventId: event.id,
            attempts: message.attempts,
            publishedBy: event.publisher.repository,
          }),
        );
      }
      return Response.json({ sent: batch.messages.length });
    }
    if (url.pathname === "/sent") {
      const listed = await env.OUTBOX.list({ prefix: "sent:" });
      const sent = await Promise.all(
        listed.keys
          .slice(-20)
          .reverse()
          .map(async (key) => ({
            at: key.name.split(":").slice(1, -1).join(":"),
            ...(await env.OUTBOX.get(key.name, "json")),
          })),
      );
      return Response.json({ sent });
    }
    if (url.pathname === "/") return Response.json({ app: "email-worker", try: ["sent"] });
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
