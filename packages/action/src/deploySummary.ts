/**
 * How a deploy answer is shown (J.3 step 10): log lines, one `::warning` per deploy warning, and the
 * `### W7S Deploy` step-summary block. On failure the server's message and details are shown, then the raw
 * response; never a stack trace.
 */
import { code, text } from "./format.js";
import {
  type ApiAnswer,
  asArray,
  type CustomDomainNotice,
  type DeployData,
  type DeploymentWarning,
  describeFailure,
  type Envelope,
  isSuccess,
} from "./responses.js";
import { warningCommand } from "./workflowCommands.js";

/** The title of the workflow warning each deploy warning becomes. */
export const DEPLOY_WARNING_TITLE = "W7S deploy warning";

const warningText = (warning: DeploymentWarning): string =>
  warning.message ?? warning.code ?? "W7S reported a deploy warning.";

const prettyRaw = (answer: ApiAnswer<unknown>): string =>
  answer.body === undefined ? answer.raw : JSON.stringify(answer.body, null, 2);

const txtLine = (notice: CustomDomainNotice, repository: string | undefined, markdown: boolean): string => {
  const hostname = notice.hostname ?? "custom domain";
  const name = notice.txtName ?? "_w7s.<domain>";
  const value = notice.txtValue ?? repository ?? "owner/repo";
  return markdown
    ? `${code(hostname)}: add TXT ${code(name)} with value ${code(value)}`
    : `${hostname}: add TXT ${name}=${value}`;
};

/** Everything the deploy reports that the user should look at: deploy warnings, domain warnings, blocked domains. */
export const deployWarningCount = (data: DeployData | undefined): number =>
  asArray(data?.deploymentWarnings).length +
  asArray(data?.customDomainWarnings).length +
  asArray(data?.blockedCustomDomains).length;

/** The job-log lines, and the workflow commands to print with them. */
export const deployLogLines = (answer: ApiAnswer<Envelope<DeployData>>): string[] => {
  const payload = answer.body;
  const data = payload?.data;
  const deployment = data?.deployment;
  const bindings = deployment?.bindings ?? {};
  const lines = [`W7S deploy: ${text(payload?.status ?? "invalid response")} (HTTP ${answer.status})`];
  if (deployment !== undefined) {
    lines.push(`Repository: ${text(deployment.repository)}`);
    lines.push(`Environment: ${text(deployment.environment)}`);
    lines.push(`Worker entrypoint: ${text(deployment.targets?.worker?.entrypoint)}`);
    lines.push(`Static files: ${text(deployment.targets?.static?.fileCount ?? 0)}`);
    const summary = [
      [asArray(bindings.kv).length, "KV"],
      [asArray(bindings.r2).length, "R2"],
      [asArray(bindings.d1).length, "D1"],
      [asArray(bindings.vars).length, "vars"],
      [asArray(bindings.secrets).length, "secrets"],
    ]
      .filter(([count]) => (count as number) > 0)
      .map(([count, label]) => `${count} ${label}`);
    if (summary.length > 0) lines.push(`Bindings: ${summary.join(", ")}`);
  }
  if (data?.url !== undefined) lines.push(`URL: ${data.url}`);
  const warnings = asArray(data?.deploymentWarnings);
  if (warnings.length > 0) {
    lines.push("", "Deploy warnings:");
    for (const warning of warnings) lines.push(`- ${warningText(warning)}`);
  }
  const domains = asArray<string>(data?.customDomains);
  if (domains.length > 0) lines.push(`Custom domains: ${domains.join(", ")}`);
  const domainWarnings = asArray(data?.customDomainWarnings);
  if (domainWarnings.length > 0) {
    lines.push("", "CNAME TXT Security Warning:");
    for (const notice of domainWarnings) lines.push(`- ${txtLine(notice, deployment?.repository, false)}`);
  }
  const blocked = asArray(data?.blockedCustomDomains);
  if (blocked.length > 0) {
    lines.push("", "Blocked custom domains:");
    for (const notice of blocked) {
      lines.push(
        `- ${txtLine({ ...notice, hostname: `${notice.hostname ?? "custom domain"} (${notice.reason ?? "blocked"})` }, deployment?.repository, false)}`,
      );
      if (notice.currentRepository !== undefined)
        lines.push(`  Current repository: ${notice.currentRepository}`);
    }
  }
  if (!isSuccess(answer)) {
    lines.push(`Error: ${describeFailure(answer)}`);
    lines.push("", "Raw W7S response:", prettyRaw(answer));
  }
  return lines;
};

/** One `::warning title=W7S deploy warning::<message>` per deploy warning. */
export const deployWarningCommands = (answer: ApiAnswer<Envelope<DeployData>>): string[] =>
  asArray(answer.body?.data?.deploymentWarnings).map((warning) =>
    warningCommand(warningText(warning), DEPLOY_WARNING_TITLE),
  );

/** The `### W7S Deploy` block of the step summary. */
export const deploySummaryMarkdown = (answer: ApiAnswer<Envelope<DeployData>>): string => {
  const payload = answer.body;
  const success = isSuccess(answer);
  const lines = ["### W7S Deploy", "", `- HTTP status: ${code(answer.status)}`];
  if (payload === undefined) {
    lines.push("- Response: invalid JSON");
  } else {
    const data = payload.data;
    const deployment = data?.deployment;
    lines.push(`- W7S status: ${code(payload.status ?? "unknown")}`);
    if (deployment !== undefined) {
      const bindings = deployment.bindings ?? {};
      lines.push(`- Repository: ${code(deployment.repository)}`);
      lines.push(`- Environment: ${code(deployment.environment)}`);
      lines.push(`- Worker entrypoint: ${code(deployment.targets?.worker?.entrypoint)}`);
      lines.push(`- Static files: ${code(deployment.targets?.static?.fileCount ?? 0)}`);
      const vars = asArray<string>(bindings.vars);
      const secrets = asArray<string>(bindings.secrets);
      if (
        asArray(bindings.kv).length + asArray(bindings.r2).length + asArray(bindings.d1).length > 0 ||
        vars.length + secrets.length > 0
      ) {
        lines.push(`- KV bindings: ${code(asArray(bindings.kv).length)}`);
        lines.push(`- R2 bindings: ${code(asArray(bindings.r2).length)}`);
        lines.push(`- D1 bindings: ${code(asArray(bindings.d1).length)}`);
        if (vars.length > 0) lines.push(`- Runtime vars: ${vars.map(code).join(", ")}`);
        if (secrets.length > 0) lines.push(`- Runtime secrets: ${code(secrets.length)}`);
      }
    }
    if (data?.url !== undefined) lines.push(`- URL: ${data.url}`);
    const domains = asArray<string>(data?.customDomains);
    if (domains.length > 0) lines.push(`- Custom domains: ${domains.map(code).join(", ")}`);
    const warnings = asArray(data?.deploymentWarnings);
    if (warnings.length > 0) {
      lines.push("", "#### ⚠️ Deploy Warnings", "");
      for (const warning of warnings) lines.push(`- ${warningText(warning)}`);
    }
    const domainWarnings = asArray(data?.customDomainWarnings);
    if (domainWarnings.length > 0) {
      lines.push("", "#### ⚠️ CNAME TXT Security Warning", "");
      lines.push(
        "These custom domains were attached, but their ownership is not locked yet. Add the TXT record so that no other repository can claim the hostname later.",
        "",
      );
      for (const notice of domainWarnings) lines.push(`- ${txtLine(notice, deployment?.repository, true)}`);
    }
    const blocked = asArray(data?.blockedCustomDomains);
    if (blocked.length > 0) {
      lines.push("", "#### ⚠️ Blocked Custom Domains", "");
      lines.push(
        "The app deployed, but these hostnames were not attached. Add the TXT record or remove the other claim, then deploy again.",
        "",
      );
      for (const notice of blocked) {
        lines.push(
          `- ${code(notice.hostname ?? "custom domain")} (${code(notice.reason ?? "blocked")}): add TXT ${code(notice.txtName ?? "_w7s.<domain>")} with value ${code(notice.txtValue ?? deployment?.repository ?? "owner/repo")}`,
        );
        if (notice.currentRepository !== undefined)
          lines.push(`  Current repository: ${code(notice.currentRepository)}`);
      }
    }
    if (!success) {
      const [message = "", ...details] = describeFailure(answer).split("\n");
      lines.push(`- Error: ${code(message)}`);
      for (const detail of details) lines.push(`  ${detail}`);
    }
  }
  if (!success) {
    lines.push(
      "",
      "<details><summary>Raw response</summary>",
      "",
      "```json",
      prettyRaw(answer),
      "```",
      "</details>",
    );
  }
  return `${lines.join("\n")}\n`;
};
