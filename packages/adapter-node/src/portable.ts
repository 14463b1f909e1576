/**
 * The parts of the Node adapter that use only `fetch`, WebCrypto and a SQLite handle, for other runtimes
 * (the Cloudflare core Worker) to reuse instead of duplicating: repository authorization, the AI provider,
 * the Telegram Notifier and the control-plane stores over an `EmbeddedDatabase`.
 */

export { makeTelegramNotifier, telegramNotifierLayer } from "@w7s/telegram";
export { aiProviderLayer, makeOpenAiProvider, type OpenAiProviderOptions } from "./ai/index.js";
export { makeRepoAuth, type RepoAuthOptions, repoAuthLayer } from "./auth/index.js";
export * from "./portable/embeddedStores.js";
