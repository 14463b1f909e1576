/** The platform config's AI part from the server settings (E.7), with the hint a 503 gives app developers. */
import { type AiSettings, DEFAULT_AI_MODEL } from "@w7s/core";
import { type ServerSettings, SettingsError } from "./config.js";

export const AI_CONFIGURATION_HINT =
  "The operator of this w7s-server sets --ai-base-url <OpenAI-compatible API root> (W7S_AI_BASE_URL), --ai-api-key <key> (W7S_AI_API_KEY) and --ai-model @w7s/<name>=<provider model> for each model apps may use (W7S_AI_MODELS).";

/** `ai` and `aiConfigurationHint` of the PlatformConfig. Without a base URL, AI is not configured. */
export const aiSettingsOf = (
  settings: ServerSettings,
): { readonly ai: AiSettings | null; readonly aiConfigurationHint: string } => {
  if (settings.aiBaseUrl === undefined || settings.aiBaseUrl === "")
    return { ai: null, aiConfigurationHint: AI_CONFIGURATION_HINT };
  const models =
    Object.keys(settings.aiModels).length > 0
      ? settings.aiModels
      : // A provider without a mapping serves the first documented model under its own name.
        { [DEFAULT_AI_MODEL]: DEFAULT_AI_MODEL.slice("@w7s/".length) };
  const defaultModel = settings.aiDefaultModel ?? Object.keys(models)[0]!;
  if (!Object.hasOwn(models, defaultModel))
    throw new SettingsError(
      `--ai-default-model ${defaultModel} is not one of the --ai-model names (${Object.keys(models).join(", ")}).`,
    );
  return { ai: { models, defaultModel }, aiConfigurationHint: AI_CONFIGURATION_HINT };
};
