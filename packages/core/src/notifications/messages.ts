/**
 * The texts of the notifications (I.6), in Telegram's MarkdownV2: a bold title, then one `Field: value`
 * line each. Values are escaped, so a repository or an error text can never break the formatting.
 */
import type { AppLimitState } from "@w7s/usage-policy";

/** Telegram takes 4096 characters; the reference keeps a margin. */
export const MAX_MESSAGE_LENGTH = 3900;

/** Every character MarkdownV2 treats as markup outside code, escaped with a backslash. */
export const escapeMarkdownV2 = (text: string): string => text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, "\\$&");

/** Inside `code` and ```pre``` only the backtick and the backslash are special. */
const escapeCode = (text: string): string => text.replace(/[`\\]/g, "\\$&");

const clip = (text: string, length: number): string =>
  text.length <= length ? text : `${text.slice(0, length - 1)}…`;

const field = (name: string, value: string): string => `${name}: ${escapeMarkdownV2(value)}`;

const title = (text: string): string => `*${escapeMarkdownV2(text)}*`;

const finish = (lines: ReadonlyArray<string>): string => clip(lines.join("\n"), MAX_MESSAGE_LENGTH);

/** What a successful deploy published, for its message. */
export interface DeploySuccessFacts {
  readonly repository: string;
  readonly environment: string;
  readonly branch: string;
  readonly commitSha: string;
  readonly staticFiles: number | undefined;
  readonly backend: boolean;
  readonly status: number;
  readonly url: string;
  readonly warnings: ReadonlyArray<string>;
}

/** `static N files, backend`, `static N files`, `backend` or `none`. */
export const targetsSummary = (staticFiles: number | undefined, backend: boolean): string => {
  const parts = [
    ...(staticFiles === undefined ? [] : [`static ${staticFiles} ${staticFiles === 1 ? "file" : "files"}`]),
    ...(backend ? ["backend"] : []),
  ];
  return parts.length === 0 ? "none" : parts.join(", ");
};

export const deploySuccessText = (facts: DeploySuccessFacts): string =>
  finish([
    title(facts.warnings.length > 0 ? "W7S deploy completed with warnings" : "W7S deploy succeeded"),
    "",
    field("Repository", facts.repository),
    field("Environment", facts.environment),
    field("Branch", facts.branch),
    field("Commit", facts.commitSha.slice(0, 12)),
    field("Targets", targetsSummary(facts.staticFiles, facts.backend)),
    field("Status", `HTTP ${facts.status}`),
    field("URL", facts.url),
    ...(facts.warnings.length === 0
      ? []
      : [
          field("Warnings", String(facts.warnings.length)),
          ...facts.warnings.slice(0, 3).map((warning) => escapeMarkdownV2(`- ${clip(warning, 300)}`)),
        ]),
  ]);

export interface DeployFailureFacts {
  readonly repository: string;
  readonly branch: string;
  readonly commitSha: string;
  readonly status: number;
  readonly error: string;
}

/** A progress report of `/api/v1/deploy/status`: `*W7S <stage title>*` and the fields the report gave. */
export interface DeployStatusFacts {
  readonly title: string;
  readonly repository: string;
  readonly environment?: string | undefined;
  readonly branch?: string | undefined;
  readonly commitSha?: string | undefined;
  readonly url?: string | undefined;
  readonly detail?: string | undefined;
}

export const deployStatusText = (facts: DeployStatusFacts): string => {
  const optional = (name: string, value: string | undefined) =>
    value === undefined || value.trim() === "" ? [] : [field(name, value.trim())];
  return finish([
    title(`W7S ${facts.title}`),
    "",
    field("Repository", facts.repository),
    ...optional("Environment", facts.environment),
    ...optional("Branch", facts.branch),
    ...optional("Commit", facts.commitSha?.slice(0, 12)),
    ...optional("URL", facts.url),
    ...optional("Detail", facts.detail === undefined ? undefined : clip(facts.detail, 500)),
  ]);
};

export const deployFailedText = (facts: DeployFailureFacts): string =>
  finish([
    title("W7S deploy failed"),
    "",
    field("Repository", facts.repository),
    field("Branch", facts.branch),
    field("Commit", facts.commitSha.slice(0, 12)),
    field("Status", `HTTP ${facts.status}`),
    field("Error", clip(facts.error, 500)),
  ]);

export const appSuspendedText = (state: AppLimitState): string =>
  finish([
    title("W7S app suspended"),
    "",
    field("Repository", `${state.orgSlug}/${state.repoSlug}`),
    field("Environment", state.environment),
    field("Reason", clip(state.reason, 500)),
    field("Resume after", state.resumeAfter ?? "when the operator lifts it"),
    ...state.metrics
      .slice(0, 5)
      .map(
        (metric) =>
          `\`${escapeCode(metric.metric)}\`: \`${metric.used}/${metric.limit}\` ${escapeMarkdownV2(`(${metric.status})`)}`,
      ),
  ]);

export const usageCollectionFailureText = (input: {
  readonly hour: string;
  readonly failures: number;
  readonly firstFailure: string;
}): string =>
  finish([
    title("W7S usage collection failures"),
    "",
    field("Hour", input.hour),
    field("Failures", String(input.failures)),
    field("First failure", clip(input.firstFailure, 500)),
  ]);

/** The bot's answer to `/start` (and any other message): the chat id and a workflow for this server. */
export const startReplyText = (input: { readonly chatId: string; readonly deployUrl: string }): string => {
  const chatId = escapeCode(JSON.stringify(input.chatId));
  return [
    "W7S Telegram notifications",
    "",
    "Use this chat id in your GitHub Actions workflow:",
    "",
    "```",
    `telegram-chat-id: ${chatId}`,
    "```",
    "",
    "Example:",
    "",
    "```",
    "name: Deploy",
    "on:",
    "  push:",
    "  workflow_dispatch:",
    "permissions:",
    "  id-token: write",
    "  contents: read",
    "jobs:",
    "  deploy:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - uses: actions/checkout@v5",
    "      - uses: w7s-io/w7s-cloud@v1",
    "        with:",
    `          deploy-url: ${escapeCode(input.deployUrl)}`,
    `          telegram-chat-id: ${chatId}`,
    "          telegram-events: deploy_success,deploy_warning,deploy_error,app_suspended,payment_request",
    "```",
  ].join("\n");
};
