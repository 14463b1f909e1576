export {
  aiProviderLayer,
  chatCompletionRequest,
  makeOpenAiProvider,
  type OpenAiProviderOptions,
} from "./openAiProvider.js";
