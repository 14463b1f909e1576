/**
 * The order API of the event fan-out example: it stores an order, publishes `orders.created` through
 * `W7S_EVENTS` and returns at once. W7S enqueues the event on every queue subscribed to it (the subscribers
 * declare that in their own w7s.json); one copy comes back on this app's `order-status` queue and marks the
 * order as delivered.
 */
interface Fetcher {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}
interface KV {
  get<T>(key: string, type: "json"): Promise<T | null>;
  put(key: string, value: string): Promise<void>;
}
interface Env {
  ORDERS: KV;
  W7S_EVENTS: Fetcher;
  W7S_EVENTS_TOKEN: string;
  W7S_REPOSITORY: string;
}
interface Order {
  id: string;
  item: string;
  email: string;
  status: "created" | "delivered";
  createdAt: string;
  deliveredAt?: string;
}
interface QueueBatch {
  messages: Array<{
    id: string;
    attempts: number;
    body: { id: string; subject: string; data: { orderId: string } };
  }>;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

/** Publishes one event of this app; the subject must be in its w7s.json `events.publish`. */
const publish = (env: Env, subject: string, data: unknown) =>
  env.W7S_EVENTS.fetch(`https://w7s.internal/api/v1/events/${env.W7S_REPOSITORY}`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.W7S_EVENTS_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ subject, data }),
  });

const createOrder = async (env: Env, item: string, email: string) => {
  const order: Order = {
    id: crypto.randomUUID(),
    item,
    email,
    status: "created",
    createdAt: new Date().toISOString(),
  };
  await env.ORDERS.put(`order:${order.id}`, JSON.stringify(order));
  const published = await publish(env, "orders.created", { orderId: order.id, item, email });
  if (!published.ok) return json({ order, published: false, error: await published.text() }, 502);
  const { data } = (await published.json()) as {
    data: { event: { id: string }; deliveries: Array<{ repository: string; queue: string }> };
  };
  return json(
    {
      order,
      published: true,
      event: data.event,
      deliveries: data.deliveries,
      next: { order: `orders/${order.id}`, emails: "../email-worker/sent", events: "../event-log/events" },
    },
    201,
  );
};

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/order-status" && request.method === "POST") {
      const batch = (await request.json()) as QueueBatch;
      for (const message of batch.messages) {
        const key = `order:${message.body.data.orderId}`;
        const order = await env.ORDERS.get<Order>(key, "json");
        if (order !== null)
          await env.ORDERS.put(
            key,
            JSON.stringify({ ...order, status: "delivered", deliveredAt: new Date().toISOString() }),
          );
      }
      return json({ updated: batch.messages.length });
    }
    if (url.pathname === "/orders" && request.method === "POST") {
      const { item, email } = (await request.json()) as { item?: string; email?: string };
      if (!item || !email) return json({ error: 'Send {"item": ..., "email": ...}.' }, 400);
      return createOrder(env, item, email);
    }
    if (url.pathname === "/orders/new") {
      return createOrder(
        env,
        url.searchParams.get("item") ?? "book",
        url.searchParams.get("email") ?? "ada@example.com",
      );
    }
    const match = /^\/orders\/([0-9a-f-]+)$/.exec(url.pathname);
    if (match) {
      const order = await env.ORDERS.get<Order>(`order:${match[1]}`, "json");
      return order === null ? json({ error: "No such order." }, 404) : json({ order });
    }
    if (url.pathname === "/") {
      return json({
        app: "order-api",
        try: [
          "POST orders {item, email}",
          "GET orders/new?item=book&email=ada@example.com",
          "GET orders/<id>",
        ],
      });
    }
    return json({ error: "Not found." }, 404);
  },
};
