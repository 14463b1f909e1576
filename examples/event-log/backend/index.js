/**
 * The event log of the fan-out example: it subscribes to every order subject on its `events` queue and keeps
 * each event in KV under its event id, so a redelivery (events arrive at least once) overwrites instead of
 * adding a second entry. The subscriptions are in its w7s.json; W7S does the routing.
 */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/events" && request.method === "POST") {
      const batch = await request.json();
      for (const message of batch.messages) {
        const event = message.body;
        await env.LOG.put(
          `event:${event.time}:${event.id}`,
          JSON.stringify({
            id: event.id,
            subject: event.subject,
            publisher: event.publisher.repository,
            time: event.time,
            data: event.data,
            attempts: message.attempts,
          }),
        );
      }
      return Response.json({ logged: batch.messages.length });
    }
    if (url.pathname === "/events") {
      const listed = await env.LOG.list({ prefix: "event:" });
      const recent = await Promise.all(
        listed.keys
          .slice(-20)
          .reverse()
          .map((key) => env.LOG.get(key.name, "json")),
      );
      return Response.json({ events: recent });
    }
    if (url.pathname === "/") return Response.json({ app: "event-log", try: ["events"] });
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
