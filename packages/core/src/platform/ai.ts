/**
 * `POST /api/v1/ai/run` (E.7): a backend runs a model through `W7S_AI` without provider credentials of its
 * own. The request is checked in the reference's order, the public `@w7s/...` model name is mapped to the
 * operator's provider model, and `ai.run` is limited and counted for the caller.
 */
import { Effect } from "effect";
import { BadGateway, BadRequest, PayloadTooLarge, ServiceUnavailable } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { AiProvider } from "../ports/AiProvider.js";
import { enforceNotSuspended, enforceUsageLimit } from "../usage/usageLimits.js";
import { readTextWithin, requireBearer, resolveCaller } from "./caller.js";
import { recordServiceEvent } from "./serviceEvents.js";

/** The public name of the first supported model. */
export const DEFAULT_AI_MODEL = "@w7s/meta/llama-3.1-8b-instruct-fp8";

/** The exact texts of AI failures after the token checks. */
export const aiMessages = {
  tooLarge: (limit: number) => `AI request body exceeds ${limit} bytes.`,
  invalidJson: "AI request body must be valid JSON.",
  model: "model must be a string.",
  input: "input must be a JSON object.",
  options: "options must be a JSON object.",
  streaming: "Streaming AI responses are not supported through W7S_AI yet.",
  unsupported: "Raw, WebSocket, and batch AI responses are not supported through W7S_AI yet.",
  notConfigured: "W7S AI is not configured for this core deployment.",
  notAllowed: "AI model is not allowed for this W7S deployment.",
  providerFailed: "Workers AI request failed.",
} as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `@cf/<x>` is accepted as `@w7s/<x>`, the public spelling. */
export const publicModelName = (model: string): string =>
  model.startsWith("@cf/") ? `@w7s/${model.slice("@cf/".length)}` : model;

/** Runs one model request and answers `{ model, result }`. */
export const runAi = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const token = yield* requireBearer("ai", request);
    const limit = config.platformLimits.aiMaxRequestBytes;
    const read = yield* readTextWithin(request, limit);
    if (read === undefined)
      return yield* Effect.fail(new PayloadTooLarge({ message: aiMessages.tooLarge(limit) }));
    let body: unknown = {};
    if (read.text.trim() !== "") {
      try {
        body = JSON.parse(read.text);
      } catch {
        return yield* Effect.fail(new BadRequest({ message: aiMessages.invalidJson }));
      }
    }
    if (!isObject(body)) return yield* Effect.fail(new BadRequest({ message: aiMessages.invalidJson }));
    if (body.model !== undefined && typeof body.model !== "string")
      return yield* Effect.fail(new BadRequest({ message: aiMessages.model }));
    const input = body.input ?? body.inputs;
    if (!isObject(input)) return yield* Effect.fail(new BadRequest({ message: aiMessages.input }));
    const options = body.options ?? {};
    if (!isObject(options)) return yield* Effect.fail(new BadRequest({ message: aiMessages.options }));
    if (input.stream === true) return yield* Effect.fail(new BadRequest({ message: aiMessages.streaming }));
    if (options.returnRawResponse || options.websocket || options.queueRequest)
      return yield* Effect.fail(new BadRequest({ message: aiMessages.unsupported }));

    const caller = yield* resolveCaller("ai", token);
    const ai = config.ai;
    if (ai === null)
      return yield* Effect.fail(
        new ServiceUnavailable({
          message: aiMessages.notConfigured,
          details: { hint: config.aiConfigurationHint },
        }),
      );
    const model = publicModelName(typeof body.model === "string" ? body.model.trim() : ai.defaultModel);
    const providerModel = Object.hasOwn(ai.models, model) ? ai.models[model] : undefined;
    if (providerModel === undefined)
      return yield* Effect.fail(
        new BadRequest({
          message: aiMessages.notAllowed,
          details: { model, allowedModels: Object.keys(ai.models) },
        }),
      );
    yield* enforceNotSuspended(caller.app);
    yield* enforceUsageLimit({ metric: "ai.run", app: caller.app }, config);
    const provider = yield* AiProvider;
    const result = yield* provider.run({ providerModel, input, options }).pipe(
      Effect.tapError(() =>
        recordServiceEvent({
          metric: "ai.run",
          app: caller.app,
          source: caller.repository,
          target: model,
          outcome: "error",
        }),
      ),
      Effect.mapError((error) => new BadGateway({ message: error.description ?? aiMessages.providerFailed })),
    );
    yield* recordServiceEvent({
      metric: "ai.run",
      app: caller.app,
      source: caller.repository,
      target: model,
      outcome: "success",
    });
    return { model, result };
  });
