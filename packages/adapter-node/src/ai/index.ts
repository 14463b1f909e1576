/** The AI provider on Node: any OpenAI-compatible chat-completions endpoint. */
export {
  aiProviderLayer,
  chatCompletionRequest,
  makeOpenAiProvider,
  type OpenAiProviderOptions,
} from "./openAiProvider.js";
