/** The small apps the scenarios deploy. Each backend answers with what it saw, as JSON. */
import type { ArchiveFiles } from "./archives.js";

/** Static SPA in `dist/` and a JS backend (with a relative import) that reports what it saw. */
export const fullstackApp = (version: string): ArchiveFiles => ({
  "dist/index.html": `<h1>app ${version}</h1>`,
  "dist/assets/app.js": `console.log("app ${version}");`,
  "dist/assets/my file.txt": "spaced",
  "dist/docs/index.html": "<h1>docs</h1>",
  "backend/index.js": `import { describe } from "./lib/describe.js";
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) return Response.json(describe(request, env, "${version}"));
    if (url.pathname === "/echo" && request.method === "POST") return new Response("echo:" + (await request.text()));
    if (url.pathname === "/method") return new Response("no", { status: 405 });
    return new Response("backend 404", { status: 404 });
  },
};
`,
  "backend/lib/describe.js": `export const describe = (request, env, version) => ({
  version,
  path: new URL(request.url).pathname,
  query: new URL(request.url).search,
  repoSlugHeader: request.headers.get("x-w7s-repo-slug"),
  orgSlugHeader: request.headers.get("x-w7s-org-slug"),
  originalPath: request.headers.get("x-w7s-original-path"),
  spoofed: request.headers.get("x-w7s-spoofed"),
  owner: env.W7S_OWNER,
  repo: env.W7S_REPO,
  environment: env.W7S_ENVIRONMENT,
  branch: env.W7S_BRANCH,
  greeting: env.GREETING ?? null,
  secret: env.API_KEY ?? null,
  hasRpc: typeof env.W7S_RPC_TOKEN === "string",
});
`,
});

/**
 * A TypeScript-only backend: type annotations, an interface, a type-only import, an extensionless
 * relative import and a `.ts` one (B.7, B.8).
 */
export const typescriptApp = (version: string): ArchiveFiles => ({
  "backend/index.ts": `import type { Identity } from "./types";
import { identityOf } from "./identity.ts";
import { shout } from "./text/index";

interface Env { readonly [name: string]: unknown }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const identity: Identity = identityOf(env);
    return Response.json({ version: "${version}", shouted: shout("ts"), path: new URL(request.url).pathname, ...identity });
  },
};
`,
  "backend/types.ts": `export interface Identity { readonly [name: string]: string | null }
`,
  "backend/identity.ts": `import type { Identity } from "./types.ts";

const names: readonly string[] = [
  "W7S_OWNER", "W7S_REPO", "W7S_REPOSITORY", "W7S_ENVIRONMENT", "W7S_SOURCE_REPOSITORY",
  "W7S_BRANCH", "W7S_COMMIT_HASH", "GREETING", "API_KEY",
];

export const identityOf = (env: Record<string, unknown>): Identity =>
  Object.fromEntries(names.map((name) => [name, typeof env[name] === "string" ? (env[name] as string) : null]));
`,
  "backend/text/index.ts": `export const shout = (text: string): string => \`\${text.toUpperCase()}!\`;
`,
});

/** A backend-only app that echoes the path and identity headers it received. */
export const echoBackendApp = (): ArchiveFiles => ({
  "worker/index.js": `export default {
  fetch(request) {
    const url = new URL(request.url);
    return Response.json({
      path: url.pathname,
      repoSlugHeader: request.headers.get("x-w7s-repo-slug"),
      originalPath: request.headers.get("x-w7s-original-path"),
    });
  },
};
`,
});
