// A stateful object as a counter. One instance per name holds its value in its own storage, so two
// increments at once never lose one, and the value outlives redeploys of the app.
export class Counter {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async fetch(request) {
    const count = (await this.ctx.storage.get("count")) ?? 0;
    if (new URL(request.url).pathname === "/increment" && request.method === "POST") {
      await this.ctx.storage.put("count", count + 1);
      return Response.json({ count: count + 1 });
    }
    return Response.json({ count });
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/value" && url.pathname !== "/increment") {
      return new Response("Try GET /value or POST /increment.\n", { status: 404 });
    }
    const counter = env.COUNTER.get(env.COUNTER.idFromName("global"));
    return counter.fetch(request);
  },
};
