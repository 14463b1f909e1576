/**
 * A small Telegram Bot API client over `fetch` (no Node APIs), shared by the action's status messages, the
 * Node server and a Worker. Every call resolves with the answer as a value, never a throw: the caller
 * decides what a refusal or an outage means. The bot token is part of every URL, so it is scrubbed from
 * every description this module hands back.
 */

export const DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org";

/** Where and as which bot to call. */
export interface BotApiTarget {
  /** The API root (`https://api.telegram.org`, or a local Bot API server or stand-in). */
  readonly apiUrl?: string | undefined;
  readonly botToken: string;
  /** Deadline of one call (default 10 s). */
  readonly timeoutMs?: number | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** A Bot API answer: `{ok:true, result}`, a refusal with Telegram's `error_code` and `description`, or no answer at all. */
export type BotApiAnswer<Result> =
  | { readonly ok: true; readonly result: Result }
  | {
      readonly ok: false;
      readonly kind: "refused";
      /** The HTTP status; Telegram's `error_code` is the same number. */
      readonly status: number;
      readonly description: string;
      /** `parameters.retry_after` of a 429. */
      readonly retryAfterSeconds?: number;
    }
  | { readonly ok: false; readonly kind: "unreachable" | "timeout"; readonly description: string };

const scrub = (text: string, token: string): string =>
  token === "" ? text : text.split(token).join("<bot token>");

const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== ""
    ? `${error.message}: ${cause.message}`
    : error.message;
};

interface RawAnswer {
  ok?: boolean;
  result?: unknown;
  description?: string;
  parameters?: { retry_after?: number };
}

/** POSTs `body` as JSON to `<apiUrl>/bot<token>/<method>`. */
export const callBotApi = async <Result>(
  target: BotApiTarget,
  method: string,
  body: Readonly<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<BotApiAnswer<Result>> => {
  const base = (target.apiUrl || DEFAULT_TELEGRAM_API_URL).replace(/\/+$/, "");
  const timeoutMs = target.timeoutMs ?? 10_000;
  const doFetch = target.fetch ?? fetch;
  const deadline = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await doFetch(`${base}/bot${target.botToken}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: signal === undefined ? deadline : AbortSignal.any([signal, deadline]),
    });
    text = await response.text();
  } catch (error) {
    if (deadline.aborted)
      return { ok: false, kind: "timeout", description: `Telegram did not answer within ${timeoutMs} ms.` };
    return {
      ok: false,
      kind: "unreachable",
      description: scrub(`Could not reach ${new URL(base).origin}: ${reasonOf(error)}`, target.botToken),
    };
  }
  let parsed: RawAnswer | undefined;
  try {
    parsed = JSON.parse(text) as RawAnswer;
  } catch {
    parsed = undefined;
  }
  if (response.ok && parsed?.ok === true) return { ok: true, result: parsed.result as Result };
  const retryAfter = parsed?.parameters?.retry_after;
  return {
    ok: false,
    kind: "refused",
    status: response.status,
    description: scrub(parsed?.description ?? `HTTP ${response.status}`, target.botToken),
    ...(typeof retryAfter === "number" ? { retryAfterSeconds: retryAfter } : {}),
  };
};

/** One message to send, or to edit when `messageId` is given. */
export interface TelegramMessageRequest {
  readonly chatId: string;
  readonly text: string;
  readonly parseMode?: "MarkdownV2" | "HTML" | undefined;
  readonly threadId?: string | undefined;
  readonly messageId?: string | undefined;
}

/** What a sent or edited message is known by. */
export interface SentTelegramMessage {
  readonly messageId: string | undefined;
}

const isNotModified = (answer: BotApiAnswer<unknown>): boolean =>
  !answer.ok &&
  answer.kind === "refused" &&
  answer.description.toLowerCase().includes("message is not modified");

/**
 * `sendMessage` (or `editMessageText`) with link previews off. A formatted text Telegram refuses (it cannot
 * parse the entities) is sent once more as plain text, and an edit that changes nothing counts as done.
 */
export const sendTelegramMessage = async (
  target: BotApiTarget,
  request: TelegramMessageRequest,
  signal?: AbortSignal,
): Promise<BotApiAnswer<SentTelegramMessage>> => {
  const method = request.messageId === undefined ? "sendMessage" : "editMessageText";
  const body = (parseMode: string | undefined) => ({
    chat_id: request.chatId,
    text: request.text,
    disable_web_page_preview: true,
    ...(parseMode === undefined ? {} : { parse_mode: parseMode }),
    ...(request.threadId === undefined || request.threadId === ""
      ? {}
      : { message_thread_id: request.threadId }),
    ...(request.messageId === undefined ? {} : { message_id: request.messageId }),
  });
  let answer = await callBotApi<{ message_id?: number }>(target, method, body(request.parseMode), signal);
  if (
    !answer.ok &&
    answer.kind === "refused" &&
    answer.status === 400 &&
    request.parseMode !== undefined &&
    !isNotModified(answer)
  )
    answer = await callBotApi(target, method, body(undefined), signal);
  if (answer.ok) {
    const id = answer.result?.message_id;
    return { ok: true, result: { messageId: id === undefined ? request.messageId : String(id) } };
  }
  if (isNotModified(answer)) return { ok: true, result: { messageId: request.messageId } };
  return answer;
};
