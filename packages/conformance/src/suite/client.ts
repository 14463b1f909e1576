/** Talking to a server under test: deploy requests and requests addressed to an app host. */
import { request as httpRequest } from "node:http";
import { type ArchiveFiles, zipFiles } from "./archives.js";

/**
 * Control over the server's clock, so the scenarios of queue delays, retries, workflow backoff and
 * schedules run in seconds. The server's delivery loops and use cases must read their time from it.
 */
export interface TimeControl {
  /** The server's current time (ms). */
  readonly now: () => number;
  /** Moves the server's clock forward. */
  readonly advance: (ms: number) => Promise<void>;
  /** Runs the per-minute schedule dispatch for the current minute now (the server's own loop does it too). */
  readonly tick: () => Promise<void>;
}

export interface ConformanceTarget {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly baseDomain: string;
  readonly close: () => Promise<void>;
  /** Needed by the platform-service scenarios (E.4-E.6); they fail saying so without it. */
  readonly time?: TimeControl;
}

export interface DeployOptions {
  readonly token?: string | null;
  readonly repository?: string | null;
  readonly sha?: string | null;
  readonly branch?: string | null;
  /** Zipped with `zipFiles` (the action's layout); ignored when `zipBytes` is given. */
  readonly files?: ArchiveFiles;
  readonly zipBytes?: Uint8Array;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: string;
}

export interface DeployAnswer {
  readonly status: number;
  readonly body: {
    readonly status: string;
    readonly error?: string;
    readonly details?: Record<string, unknown>;
    readonly data?: Record<string, unknown> & { url?: string; deployment?: Record<string, unknown> };
  };
}

/**
 * Posts `POST /api/v1/deploy` with the action's headers (J.3). Omitted headers get a working default
 * (`conformance/app`, a 40-character sha, `main`); `null` leaves a header out.
 */
export const deployRequest = async (
  target: ConformanceTarget,
  options: DeployOptions,
): Promise<DeployAnswer> => {
  const headers = new Headers(options.headers);
  const set = (name: string, value: string | null | undefined, fallback: string) => {
    if (value !== null) headers.set(name, value ?? fallback);
  };
  if (options.token !== null && options.token !== undefined)
    headers.set("authorization", `Bearer ${options.token}`);
  headers.set("content-type", options.contentType ?? "application/zip");
  set("x-github-repository", options.repository, "conformance/app");
  set("x-github-sha", options.sha, "0123456789abcdef0123456789abcdef01234567");
  set("x-github-branch", options.branch, "main");
  const body = options.zipBytes ?? zipFiles(options.files ?? { "dist/index.html": "<h1>hi</h1>" });
  const post = () =>
    fetch(`${target.baseUrl}/api/v1/deploy${options.query ?? ""}`, {
      method: "POST",
      headers,
      body: body as Uint8Array<ArrayBuffer>,
    });
  // A suite that blocks its own event loop (building a zip bomb takes seconds) can hand fetch a pooled
  // connection whose keep-alive time ran out meanwhile; the server resets it before reading the request.
  const response = await post().catch((error: unknown) => {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === "ECONNRESET") return post();
    throw error;
  });
  const text = await response.text();
  let parsed: DeployAnswer["body"];
  try {
    parsed = JSON.parse(text) as DeployAnswer["body"];
  } catch {
    parsed = { status: "unparsable", error: text };
  }
  return { status: response.status, body: parsed };
};

export interface AppRequestInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * A request to `http://<host><path>` sent to the server under test. fetch() does not let callers set
 * `Host`, so this goes through node:http; redirects are never followed.
 */
export const request = (
  target: ConformanceTarget,
  host: string,
  path: string,
  init: AppRequestInit = {},
): Promise<Response> =>
  new Promise((resolve, reject) => {
    const url = new URL(target.baseUrl);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: init.method ?? "GET",
        headers: { ...init.headers, host },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (Array.isArray(value)) for (const item of value) headers.append(name, item);
            else if (value !== undefined) headers.set(name, value);
          }
          const status = incoming.statusCode ?? 500;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
