/**
 * A local stand-in for an OpenAI-compatible chat-completions endpoint (the protocol OpenAI, vLLM, Ollama and
 * LiteLLM speak), so the AI binding is tested against the wire protocol. It answers every chat completion
 * with `echo: <last user message>` and records what it was sent.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface OpenAiStandInOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401, as OpenAI answers). */
  readonly apiKey?: string;
}

export interface ChatCompletionCall {
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface OpenAiStandIn {
  /** The API root to configure, `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly calls: ChatCompletionCall[];
  /** The next `count` completions answer `status` with OpenAI's error shape and `message`. */
  readonly failNext: (status: number, message: string, count?: number) => void;
  readonly close: () => Promise<void>;
}

const json = (response: import("node:http").ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
};

export const startOpenAiStandIn = async (options: OpenAiStandInOptions = {}): Promise<OpenAiStandIn> => {
  const calls: ChatCompletionCall[] = [];
  let failures: Array<{ status: number; message: string }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/chat/completions") {
        json(response, 404, {
          error: {
            message: `Unknown request URL: ${request.method} ${request.url}`,
            type: "invalid_request_error",
          },
        });
        return;
      }
      const authorization = request.headers.authorization;
      if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
        json(response, 401, {
          error: {
            message: "Incorrect API key provided.",
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        json(response, 400, {
          error: {
            message: "We could not parse the JSON body of your request.",
            type: "invalid_request_error",
          },
        });
        return;
      }
      calls.push({ authorization, body });
      const failure = failures.shift();
      if (failure !== undefined) {
        json(response, failure.status, { error: { message: failure.message, type: "server_error" } });
        return;
      }
      const messages = Array.isArray(body.messages)
        ? (body.messages as Array<{ role?: string; content?: unknown }>)
        : [];
      const lastUser = [...messages].reverse().find((message) => message.role === "user");
      const content = `echo: ${typeof lastUser?.content === "string" ? lastUser.content : ""}`;
      const promptTokens = messages.length * 4;
      json(response, 200, {
        id: `chatcmpl-${calls.length}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { prompt_tokens: promptTokens, completion_tokens: 3, total_tokens: promptTokens + 3 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    failNext: (status, message, count = 1) => {
      failures = [...failures, ...Array.from({ length: count }, () => ({ status, message }))];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
