/** What every storage gateway of the bindings host shares: its context, usage reporting and HTTP helpers. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppRef } from "@w7s/core";
import type { BindingGrant } from "./grants.js";

/** One counted storage operation (metric names of spec F.1). */
export interface UsageEvent {
  readonly app: AppRef;
  readonly metric: string;
  readonly count: number;
  readonly units: number;
  readonly outcome: "success" | "error";
}

/** Where gateways report usage; it must not block (the server buffers and flushes). */
export type UsageSink = (event: UsageEvent) => void;

/** One request a binding made, as a gateway sees it. */
export interface GatewayRequest {
  readonly grant: BindingGrant;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** The raw path (still percent-encoded) and the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Counts one operation of `metric` for the grant's app. */
  readonly count: (metric: string, outcome: "success" | "error", units?: number) => void;
}

/** A storage protocol served to workerd bindings (KV, R2, D1). */
export interface BindingGateway {
  readonly handle: (request: GatewayRequest) => Promise<void>;
  /** Closes open files. */
  readonly close: () => void;
}

/** A refusal a gateway answers with: the binding turns status and status text into the app's error. */
export class GatewayFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Status text must be one line of visible characters. */
const statusText = (text: string): string => text.replace(/[^\t\x20-\x7e]/g, " ").slice(0, 1024);

/** Ends the response with a status and its text, empty body (how workerd's KV and R2 bindings read errors). */
export const answerFailure = (response: ServerResponse, status: number, text: string): void => {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.statusCode = status;
  response.statusMessage = statusText(text);
  response.setHeader("content-length", "0");
  response.end();
};

/**
 * The request body, refused with `tooLarge(size)` once more than `limit` bytes arrived: the rest is read
 * and dropped (so the client, which is still sending, gets the refusal rather than a broken connection)
 * and nothing of an oversized value is kept or written.
 */
export const readBody = (
  request: IncomingMessage,
  limit: number,
  tooLarge: (size: number) => GatewayFailure,
): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on("end", () =>
      size > limit
        ? reject(tooLarge(size))
        : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)),
    );
    request.on("error", reject);
  });

export const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");
