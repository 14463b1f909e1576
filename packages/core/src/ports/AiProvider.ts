/** Port: the operator's model provider behind `W7S_AI` (E.7); the core has already checked the request. */
import { Context, type Effect } from "effect";
import type { UpstreamError } from "./PortErrors.js";

/** One run: the provider's own model name, the app's `input` and `options` objects. */
export interface AiRunRequest {
  readonly providerModel: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Runs a model and answers the result object apps read (`{ response, usage? }` for text generation). A
 * provider that answered with an error fails with `UpstreamError` whose `description` is its message.
 */
export class AiProvider extends Context.Service<
  AiProvider,
  {
    readonly run: (request: AiRunRequest) => Effect.Effect<unknown, UpstreamError>;
  }
>()("@w7s/core/AiProvider") {}
