/**
 * The producer half of the cross-owner pair: it declares no queue of its own; every W7S backend gets
 * `W7S_QUEUE`, and the platform lets it send to `partner/queue-consumer/jobs` because that consumer's
 * `queue.allow` names `demo/queue-producer`. Any other app of another owner gets a 403.
 */
const CONSUMER_OWNER = "partner";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/enqueue") {
      const response = await env.W7S_QUEUE.fetch(
        `https://w7s.internal/api/v1/queues/${CONSUMER_OWNER}/queue-consumer/jobs`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${env.W7S_QUEUE_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ id: crypto.randomUUID(), text: url.searchParams.get("text") ?? "hello" }),
        },
      );
      if (!response.ok) return new Response(await response.text(), { status: 502 });
      // The consumer answers on its owner's host: the same base domain, another owner label.
      const host = url.host.replace(/^[^.]+\./, `${CONSUMER_OWNER}.`);
      return Response.json({
        status: "queued",
        queued: (await response.json()).data,
        checkDeliveryAt: `${url.protocol}//${host}/queue-consumer/latest`,
      });
    }
    if (url.pathname === "/") return Response.json({ app: "queue-producer", try: ["enqueue?text=hello"] });
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
