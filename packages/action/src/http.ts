/** Small HTTP helpers: JSON requests with `fetch`, and a zip upload over node:http(s) that reports its progress. */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type ApiAnswer, parseJson } from "./responses.js";

/** A request that could not reach the server (refused, DNS, reset, timeout): the message says which. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

const reason = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message !== "") return cause.message;
  return error.message;
};

/** A request answered as `{status, body, raw}`; failures to connect become `NetworkError`. */
export const requestJson = async <Body>(
  url: string | URL,
  init: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string } = {},
): Promise<ApiAnswer<Body>> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { body: init.body }),
    });
  } catch (error) {
    throw new NetworkError(`Could not reach ${new URL(url).origin}: ${reason(error)}`);
  }
  const raw = await response.text();
  return { status: response.status, body: parseJson<Body>(raw), raw, headers: response.headers };
};

/** How far an upload has got. */
export interface UploadProgress {
  readonly sentBytes: number;
  readonly totalBytes: number;
  readonly elapsedMs: number;
}

const CHUNK = 256 * 1024;

/**
 * POSTs `body` with a `content-length` (as `curl --data-binary` does), in chunks so that progress can be
 * reported as the socket accepts them. Resolves with the answer once the whole response has arrived.
 */
export const uploadBytes = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
  onProgress?: (progress: UploadProgress) => void,
): Promise<ApiAnswer<unknown>> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const started = Date.now();
    const request = send(
      target,
      { method: "POST", headers: { ...headers, "content-length": String(body.byteLength) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) =>
          reject(new NetworkError(`Upload to ${target.origin} failed: ${reason(error)}`)),
        );
        response.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          resolve({ status: response.statusCode ?? 0, body: parseJson(raw), raw });
        });
      },
    );
    request.on("error", (error) =>
      reject(new NetworkError(`Could not upload to ${target.origin}: ${reason(error)}`)),
    );
    let offset = 0;
    const writeMore = () => {
      while (offset < body.byteLength) {
        const end = Math.min(offset + CHUNK, body.byteLength);
        const accepted = request.write(body.subarray(offset, end));
        offset = end;
        onProgress?.({ sentBytes: offset, totalBytes: body.byteLength, elapsedMs: Date.now() - started });
        if (!accepted) {
          request.once("drain", writeMore);
          return;
        }
      }
      request.end();
    };
    writeMore();
  });
