export {
  type ChatCompletionCall,
  type OpenAiStandIn,
  type OpenAiStandInOptions,
  startOpenAiStandIn,
} from "./openAiStandIn.js";
