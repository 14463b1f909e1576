/** E.7 on Node: the AI provider speaks the OpenAI chat-completions protocol (tested against a local stand-in). */
import { type OpenAiStandIn, startOpenAiStandIn } from "@w7s/conformance";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeOpenAiProvider } from "../src/ai/index.js";

let standIn: OpenAiStandIn;
beforeAll(async () => {
  standIn = await startOpenAiStandIn({ apiKey: "sk-test" });
});
afterAll(() => standIn.close());

const run = (provider: ReturnType<typeof makeOpenAiProvider>, input: Record<string, unknown>) =>
  Effect.runPromise(Effect.result(provider.run({ providerModel: "llama3.1:8b", input, options: {} })));

describe("OpenAI-compatible provider", () => {
  it("turns a Workers AI prompt into a chat completion and answers { response, usage }", async () => {
    const provider = makeOpenAiProvider({ baseUrl: standIn.baseUrl, apiKey: "sk-test" });
    const answer = await run(provider, { prompt: "hello", max_tokens: 20, temperature: 0.2, ignored: true });
    expect(answer._tag === "Success" && answer.success).toEqual({
      response: "echo: hello",
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    });
    expect(standIn.calls.at(-1)).toEqual({
      authorization: "Bearer sk-test",
      body: {
        model: "llama3.1:8b",
        messages: [{ role: "user", content: "hello" }],
        stream: false,
        max_tokens: 20,
        temperature: 0.2,
      },
    });
    const chat = await run(provider, {
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
    });
    expect(chat._tag === "Success" && (chat.success as { response: string }).response).toBe("echo: hi");
  });

  it("reports the provider's error message, a wrong key, and an unreachable endpoint", async () => {
    const provider = makeOpenAiProvider({ baseUrl: standIn.baseUrl, apiKey: "sk-test" });
    standIn.failNext(503, "The model is overloaded.");
    const failed = await run(provider, { prompt: "x" });
    expect(failed._tag === "Failure" && failed.failure.description).toBe("The model is overloaded.");
    const wrongKey = await run(makeOpenAiProvider({ baseUrl: standIn.baseUrl, apiKey: "nope" }), {
      prompt: "x",
    });
    expect(wrongKey._tag === "Failure" && wrongKey.failure.description).toBe("Incorrect API key provided.");
    const down = await run(makeOpenAiProvider({ baseUrl: "http://127.0.0.1:1/v1" }), { prompt: "x" });
    expect(down._tag === "Failure" && down.failure.reason).toBe("Unavailable");
    const noPrompt = await run(provider, { text: "x" });
    expect(noPrompt._tag === "Failure" && noPrompt.failure.description).toBe(
      "AI input needs a prompt string or a messages array for this provider.",
    );
  });
});
