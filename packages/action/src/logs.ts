/** The logs check (J.5, G.1): fetch recent backend logs and show them as lines and as a step-summary table. */
import { type LogsQuery, logsUrl, splitRepository } from "./endpoints.js";
import { cell, code, text, truncate } from "./format.js";
import { requestJson } from "./http.js";
import { type ApiAnswer, asArray, type Envelope, type LogRecordView, type LogsData } from "./responses.js";

/** The exact texts of J.5. */
export const logsMessages = {
  repositoryForm: "W7S logs check requires a GitHub repository in owner/repo form.",
  requestFailed: (detail: string) => `W7S logs request failed: ${detail}`,
  missingToken: "W7S logs check requires a GitHub token.",
} as const;

/** A logs request that the server refused (or that was not JSON): the message is J.5's. */
export class LogsError extends Error {
  override readonly name = "LogsError";
}

/** `GET <api>/logs/<owner>/<repo>?...` with the action's headers; throws `LogsError` for a refusal. */
export const fetchLogs = async (
  deployUrl: string,
  repositoryName: string,
  query: LogsQuery,
  token: string,
): Promise<{ readonly url: URL; readonly answer: ApiAnswer<Envelope<LogsData>> }> => {
  const repository = splitRepository(repositoryName);
  if (repository === undefined) throw new LogsError(logsMessages.repositoryForm);
  const url = logsUrl(deployUrl, repository, query);
  const answer = await requestJson<Envelope<LogsData>>(url, {
    headers: {
      accept: "application/json",
      authorization: `Bearer ${token}`,
      "user-agent": "w7s-cloud-action",
    },
  });
  if (answer.status < 200 || answer.status >= 300 || answer.body?.status === "error") {
    const detail = answer.body?.error ?? (answer.raw.trim() || `HTTP ${answer.status}`);
    throw new LogsError(logsMessages.requestFailed(detail));
  }
  return { url, answer };
};

/** A record's message: its flattened `text`, else its `message` parts joined, else its exception. */
export const recordMessage = (record: LogRecordView): string => {
  if (typeof record.text === "string" && record.text !== "") return record.text;
  if (Array.isArray(record.message))
    return record.message
      .map((part: unknown) => (typeof part === "string" ? part : JSON.stringify(part)))
      .join(" ");
  if (record.exception?.message !== undefined)
    return `${record.exception.name ?? "Error"}: ${record.exception.message}`;
  return "";
};

/** `GET /path 500`, at most 80 characters. */
export const recordRequest = (record: LogRecordView): string => {
  const request = record.request ?? {};
  const status = request.status === undefined ? "" : ` ${request.status}`;
  return truncate(`${request.method ?? ""} ${request.path ?? ""}${status}`.trim(), 80);
};

/** `[<timestamp>] <kind>[/<level>] <METHOD path status> <message, at most 500 characters>`. */
export const logRecordLine = (record: LogRecordView): string => {
  const level = record.level ? `/${record.level}` : "";
  const request = recordRequest(record);
  return `[${record.timestamp ?? "n/a"}] ${record.kind ?? "log"}${level}${request ? ` ${request}` : ""} ${truncate(recordMessage(record), 500)}`;
};

/** The job-log lines of a logs answer. */
export const logsLogLines = (
  logs: LogsData["logs"],
  fallback: { repository: string; environment: string },
  url: URL,
) => {
  const records = asArray<LogRecordView>(logs?.records);
  return [
    `W7S logs: ${records.length} record(s) for ${logs?.repository ?? fallback.repository} (${logs?.environment ?? fallback.environment})`,
    `W7S logs API: ${url.toString()}`,
    ...records.map(logRecordLine),
  ];
};

/** The `### W7S Logs` block: facts, a table of the first 50 records, up to 10 exception stacks, the cursor. */
export const logsSummaryMarkdown = (
  logs: LogsData["logs"],
  fallback: { repository: string; environment: string },
  url: URL,
): string => {
  const records = asArray<LogRecordView>(logs?.records);
  const lines = [
    "",
    "### W7S Logs",
    "",
    `- Repository: ${code(logs?.repository ?? fallback.repository)}`,
    `- Environment: ${code(logs?.environment ?? fallback.environment)}`,
    `- Window: ${code(logs?.from)} to ${code(logs?.to)}`,
    `- Records: ${code(records.length)}`,
    `- API: ${code(url.toString())}`,
  ];
  if (records.length === 0) {
    lines.push("", "No log records matched the query.");
  } else {
    lines.push("", "| Time | Kind | Level | Request | Message |", "| --- | --- | --- | --- | --- |");
    for (const record of records.slice(0, 50))
      lines.push(
        `| ${cell(record.timestamp)} | ${cell(record.kind)} | ${cell(record.level)} | ${cell(recordRequest(record))} | ${cell(truncate(recordMessage(record), 220))} |`,
      );
    const stacks = records.filter((record) => typeof record.exception?.stack === "string");
    if (stacks.length > 0) {
      lines.push("", "<details>", "<summary>Exception stacks</summary>", "");
      for (const record of stacks.slice(0, 10))
        lines.push(
          `#### ${cell(record.timestamp)} ${cell(record.text ?? "Exception")}`,
          "",
          "```text",
          text(record.exception?.stack).slice(0, 4000),
          "```",
          "",
        );
      lines.push("</details>");
    }
  }
  if (logs?.cursor) lines.push("", `More records are available with cursor ${code(logs.cursor)}.`);
  return `${lines.join("\n")}\n`;
};
