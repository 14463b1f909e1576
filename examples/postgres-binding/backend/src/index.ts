// Queries the operator's Postgres through env.PG with the bundled `postgres` driver.
import postgres from "postgres";

interface Env {
  readonly PG: { readonly connectionString: string; readonly database: string; readonly user: string };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/" && url.pathname !== "/now")
      return Response.json({ error: "Not found." }, { status: 404 });
    const sql = postgres(env.PG.connectionString, { max: 1, fetch_types: false });
    try {
      const [row] = await sql`select now() as now, version() as version`;
      return Response.json({
        now: row?.now,
        version: row?.version,
        database: env.PG.database,
        user: env.PG.user,
      });
    } catch (error) {
      return Response.json({ error: `Postgres query failed: ${(error as Error).message}` }, { status: 502 });
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
};
