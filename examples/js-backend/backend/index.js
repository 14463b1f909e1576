// A JavaScript backend: W7S calls fetch(request, env, ctx) for every request under the app's path.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/hello") {
      return Response.json({
        message: `Hello from ${env.W7S_REPOSITORY ?? "a W7S backend"}`,
        environment: env.W7S_ENVIRONMENT ?? null,
        greeting: env.GREETING ?? null,
      });
    }
    if (url.pathname === "/visits" && env.CACHE) {
      const visits = Number((await env.CACHE.get("visits")) ?? "0") + 1;
      await env.CACHE.put("visits", String(visits));
      return Response.json({ visits });
    }
    return new Response("Not found", { status: 404 });
  },
};
