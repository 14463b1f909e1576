// A notes API on env.DB (the W7S serverless database) through Drizzle's D1 driver, unchanged.
import { desc, eq } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { notes } from "./schema";

// Only the parts of the D1 binding Drizzle needs; @cloudflare/workers-types has the full type.
type D1Binding = Parameters<typeof drizzle>[0];

interface Env {
  readonly DB: D1Binding;
}

const MAX_NOTE_LENGTH = 500;

const page = `<!doctype html>
<meta charset="utf-8">
<title>Notes on W7S</title>
<h1>Notes</h1>
<form id="add"><input name="body" maxlength="${MAX_NOTE_LENGTH}" placeholder="Write a note" required> <button>Add</button></form>
<ul id="list"></ul>
<script type="module">
const list = document.querySelector("#list");
const render = async () => {
  const { notes } = await (await fetch("api/notes")).json();
  list.replaceChildren(...notes.map((note) => Object.assign(document.createElement("li"), { textContent: note.body })));
};
document.querySelector("#add").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = new FormData(event.target).get("body");
  await fetch("api/notes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ body }) });
  event.target.reset();
  await render();
});
render();
</script>`;

const listNotes = (db: DrizzleD1Database) =>
  db.select().from(notes).orderBy(desc(notes.createdAt), desc(notes.id)).limit(20);

const addNote = async (db: DrizzleD1Database, request: Request): Promise<Response> => {
  let body: unknown;
  try {
    body = ((await request.json()) as { body?: unknown }).body;
  } catch {
    return Response.json({ error: 'Send JSON: {"body": "..."}.' }, { status: 400 });
  }
  if (typeof body !== "string" || body.trim() === "" || body.length > MAX_NOTE_LENGTH) {
    return Response.json(
      { error: `body must be a non-empty string of at most ${MAX_NOTE_LENGTH} characters.` },
      { status: 400 },
    );
  }
  const [note] = await db
    .insert(notes)
    .values({ body: body.trim(), createdAt: new Date().toISOString() })
    .returning();
  return Response.json({ note }, { status: 201 });
};

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const db = drizzle(env.DB);
    if (url.pathname === "/" && request.method === "GET") {
      return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (url.pathname === "/api/health") return Response.json({ status: "ok" });
    if (url.pathname === "/api/notes" && request.method === "GET") {
      return Response.json({ notes: await listNotes(db) });
    }
    if (url.pathname === "/api/notes" && request.method === "POST") return addNote(db, request);
    const match = /^\/api\/notes\/(\d+)$/.exec(url.pathname);
    if (match !== null && request.method === "DELETE") {
      const removed = await db
        .delete(notes)
        .where(eq(notes.id, Number(match[1])))
        .returning();
      return removed.length === 0
        ? Response.json({ error: "No such note." }, { status: 404 })
        : new Response(null, { status: 204 });
    }
    return Response.json({ error: "Not found." }, { status: 404 });
  },
};
