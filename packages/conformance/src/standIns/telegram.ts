/**
 * A local stand-in for the Telegram Bot API methods W7S uses (`sendMessage`, `editMessageText`), speaking
 * the Bot API's JSON: `{ ok: true, result: Message }` or `{ ok: false, error_code, description }`. An outage
 * can be switched on (every call answers that status), and a stand-in can be started again on the port of
 * one that was closed, so tests can take Telegram away and bring it back.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A message the stand-in holds: what was sent, and every edit. */
export interface TelegramMessage {
  readonly messageId: number;
  readonly chatId: string;
  text: string;
  readonly threadId?: string | number | undefined;
  edits: number;
}

/** One Bot API call received. */
export interface TelegramCall {
  readonly method: string;
  readonly botToken: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface TelegramStandIn {
  /** Base URL to use instead of `https://api.telegram.org`. */
  readonly url: string;
  readonly calls: TelegramCall[];
  readonly messages: TelegramMessage[];
  readonly port: number;
  /** A bot token the API accepts; other tokens answer 401 `Unauthorized`. */
  addBot(token: string): void;
  /**
   * From now on every call answers `status` (500: `Internal Server Error`, 429: `Too Many Requests` with
   * `parameters.retry_after` 1), or with `"hang"` never answers, and nothing is sent; `undefined` ends it.
   */
  setOutage(status: number | "hang" | undefined): void;
  close(): Promise<void>;
}

export interface TelegramStandInOptions {
  /** Listen on this port (default: any free one). */
  readonly port?: number;
  /** Bot tokens accepted from the start. */
  readonly bots?: readonly string[];
}

export const startTelegramStandIn = async (
  options: TelegramStandInOptions = {},
): Promise<TelegramStandIn> => {
  const bots = new Set<string>(options.bots ?? []);
  let outage: number | "hang" | undefined;
  const calls: TelegramCall[] = [];
  const messages: TelegramMessage[] = [];
  let nextId = 100;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const failed = (code: number, description: string) =>
        answer(code, { ok: false, error_code: code, description });
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(request.url ?? "/", "http://x").pathname);
      if (match === null) return failed(404, "Not Found");
      const [, botToken = "", method = ""] = match;
      let body: Record<string, unknown> = {};
      try {
        body =
          chunks.length === 0
            ? {}
            : (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
      } catch {
        return failed(400, "Bad Request: can't parse JSON object");
      }
      calls.push({ method, botToken, body });
      if (outage === "hang") return;
      if (outage === 429) {
        response.writeHead(429, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            ok: false,
            error_code: 429,
            description: "Too Many Requests: retry after 1",
            parameters: { retry_after: 1 },
          }),
        );
        return;
      }
      if (outage !== undefined) return failed(outage, "Internal Server Error");
      if (!bots.has(botToken)) return failed(401, "Unauthorized");
      const chatId = body.chat_id === undefined ? "" : String(body.chat_id);
      const text = typeof body.text === "string" ? body.text : "";
      if (chatId === "") return failed(400, "Bad Request: chat_id is empty");
      if (text === "") return failed(400, "Bad Request: message text is empty");
      if (text.length > 4096) return failed(400, "Bad Request: message is too long");
      const result = (message: TelegramMessage) => ({
        message_id: message.messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number.isNaN(Number(chatId)) ? chatId : Number(chatId), type: "private" },
        text: message.text,
        ...(message.threadId === undefined ? {} : { message_thread_id: Number(message.threadId) }),
      });
      if (method === "sendMessage") {
        nextId += 1;
        const message: TelegramMessage = {
          messageId: nextId,
          chatId,
          text,
          threadId: body.message_thread_id as string | undefined,
          edits: 0,
        };
        messages.push(message);
        return answer(200, { ok: true, result: result(message) });
      }
      if (method === "editMessageText") {
        const message = messages.find(
          (candidate) => candidate.chatId === chatId && candidate.messageId === Number(body.message_id),
        );
        if (message === undefined) return failed(400, "Bad Request: message to edit not found");
        if (message.text === text)
          return failed(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
          );
        message.text = text;
        message.edits += 1;
        return answer(200, { ok: true, result: result(message) });
      }
      return failed(404, "Not Found");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    messages,
    addBot: (token) => bots.add(token),
    setOutage: (status) => {
      outage = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
