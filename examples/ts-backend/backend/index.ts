// A TypeScript backend: W7S strips the types at deploy and follows relative imports inside backend/.
import { greet } from "./lib/greet.ts";
import { json } from "./lib/respond";

interface Env {
  readonly W7S_REPOSITORY?: string;
  readonly W7S_ENVIRONMENT?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    if (url.pathname === "/" || url.pathname === "/greet") {
      return json({
        message: greet(name),
        app: env.W7S_REPOSITORY ?? null,
        environment: env.W7S_ENVIRONMENT ?? null,
      });
    }
    return json({ error: `No route for ${url.pathname}` }, 404);
  },
};
