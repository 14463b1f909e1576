/**
 * AiProvider over any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp, LiteLLM,
 * …): the Workers AI text-generation input apps send (`prompt` or `messages`, with the usual sampling
 * options) becomes a `POST <baseUrl>/chat/completions`, and the answer comes back in Workers AI's shape,
 * `{ response, usage, tool_calls? }`. Uses only `fetch`.
 */
import { AiProvider, UpstreamError } from "@w7s/core";
import { Effect, Layer } from "effect";

export interface OpenAiProviderOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string | undefined;
  /** Deadline of each call (default 60 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Sampling and tool options of a Workers AI text-generation input that chat completions share. */
const PASSED_THROUGH = [
  "max_tokens",
  "temperature",
  "top_p",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "stop",
  "response_format",
  "tools",
] as const;

const failure = (reason: UpstreamError["reason"], description: string) =>
  new UpstreamError({ reason, operation: "AiProvider.run", description });

/** The chat-completions request for one Workers AI input. */
export const chatCompletionRequest = (
  model: string,
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined => {
  const messages = Array.isArray(input.messages)
    ? input.messages
    : typeof input.prompt === "string"
      ? [{ role: "user", content: input.prompt }]
      : undefined;
  if (messages === undefined) return undefined;
  const request: Record<string, unknown> = { model, messages, stream: false };
  for (const key of PASSED_THROUGH) if (input[key] !== undefined) request[key] = input[key];
  return request;
};

interface ChatCompletion {
  choices?: Array<{ message?: { content?: string | null; tool_calls?: unknown } }>;
  usage?: unknown;
  error?: { message?: string };
}

export const makeOpenAiProvider = (options: OpenAiProviderOptions): AiProvider["Service"] => {
  const endpoint = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    run: ({ providerModel, input }) =>
      Effect.gen(function* () {
        const body = chatCompletionRequest(providerModel, input);
        if (body === undefined)
          return yield* Effect.fail(
            failure("BadResponse", "AI input needs a prompt string or a messages array for this provider."),
          );
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            fetchImpl(endpoint, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...(options.apiKey === undefined || options.apiKey === ""
                  ? {}
                  : { authorization: `Bearer ${options.apiKey}` }),
              },
              body: JSON.stringify(body),
              signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
            }),
          catch: (error) =>
            error instanceof Error && error.name === "TimeoutError"
              ? failure("Timeout", `The AI provider did not answer within ${timeoutMs} ms.`)
              : failure(
                  "Unavailable",
                  `The AI provider could not be reached: ${error instanceof Error ? error.message : String(error)}`,
                ),
        });
        const text = yield* Effect.promise(() => response.text().catch(() => ""));
        let parsed: ChatCompletion | undefined;
        try {
          parsed = JSON.parse(text) as ChatCompletion;
        } catch {
          parsed = undefined;
        }
        if (!response.ok)
          return yield* Effect.fail(
            failure(
              "BadResponse",
              parsed?.error?.message ?? `The AI provider answered HTTP ${response.status}.`,
            ),
          );
        const message = parsed?.choices?.[0]?.message;
        if (message === undefined)
          return yield* Effect.fail(failure("BadResponse", "The AI provider's answer had no message."));
        return {
          response: message.content ?? "",
          ...(parsed?.usage === undefined ? {} : { usage: parsed.usage }),
          ...(message.tool_calls === undefined ? {} : { tool_calls: message.tool_calls }),
        };
      }),
  };
};

/** The provider when a base URL is configured; without one, runs fail (the core answers 503 before asking). */
export const aiProviderLayer = (options: OpenAiProviderOptions | undefined): Layer.Layer<AiProvider> =>
  Layer.succeed(
    AiProvider,
    options === undefined
      ? { run: () => Effect.fail(failure("Misconfigured", "No AI provider is configured on this server.")) }
      : makeOpenAiProvider(options),
  );
