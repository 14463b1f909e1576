// The backend: a Hono app. W7S calls its fetch for every request under the app's path; when it answers
// 404 to a GET, W7S serves the SPA's index.html instead, so client-side routes work on reload.
import { Hono } from "hono";

interface Env {
  readonly W7S_REPOSITORY?: string;
  readonly W7S_ENVIRONMENT?: string;
}

const app = new Hono<{ Bindings: Env }>();

app.get("/api/message", (c) =>
  c.json({
    message: `Hello from Hono in ${c.env.W7S_REPOSITORY ?? "a W7S app"} (${c.env.W7S_ENVIRONMENT ?? "local"})`,
  }),
);

app.post("/api/echo", async (c) => c.json({ received: await c.req.json() }));

export default app;
