/** `w7s logs`: the backend logs of an app (G.1 filters), once or `--follow`ing new records. */
import { fetchLogs, type LogRecordView, logRecordLine, resolveCheckEnvironment } from "@w7s/action";
import { parseArgs, UsageError } from "./args.js";
import type { CommandIo } from "./io.js";
import { appTarget, deployEndpoint } from "./target.js";
import { resolveToken, tokenMessages } from "./token.js";

export const logsUsage = `Usage: w7s logs [options]

  --url <url>              server or deploy endpoint (W7S_DEPLOY_URL)
  --repository <owner/repo> (default: git remote), --environment <name> (default: the branch's)
  --hours <1-168>, --from <iso>, --to <iso>, --limit <1-500>, --cursor <cursor>
  --kind console|exception|outcome, --level debug|info|log|warn|error, --application <name>
  --follow                 keep polling for new records (every --interval seconds, default 2)
  --json                   print records as JSON lines
  --token <token>          bearer (default W7S_TOKEN, GITHUB_TOKEN, then \`gh auth token\`)`;

const sleep = (ms: number, stopped?: Promise<void>) =>
  Promise.race([new Promise((resolve) => setTimeout(resolve, ms)), stopped ?? new Promise(() => {})]);

export const logsCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const { values, flags } = parseArgs(argv, {
    valued: [
      "url",
      "repository",
      "environment",
      "hours",
      "from",
      "to",
      "limit",
      "cursor",
      "kind",
      "level",
      "application",
      "interval",
      "token",
      "branch",
      "sha",
    ],
    booleans: ["follow", "json"],
  });
  const deployUrl = deployEndpoint(values.url, io.env);
  const target = appTarget(io.cwd, values, io.env);
  const token = resolveToken(values.token, io.env, io.ghToken);
  if (token === undefined) throw new UsageError(tokenMessages.missing);
  const environment = resolveCheckEnvironment({ explicit: values.environment, branch: target.branch });
  const print = (record: LogRecordView) =>
    io.out(flags.has("json") ? JSON.stringify(record) : logRecordLine(record));
  const query = {
    environment,
    ...(values.hours === undefined ? {} : { hours: values.hours }),
    ...(values.limit === undefined ? {} : { limit: values.limit }),
    ...(values.from === undefined ? {} : { from: values.from }),
    ...(values.to === undefined ? {} : { to: values.to }),
    ...(values.kind === undefined ? {} : { kind: values.kind }),
    ...(values.level === undefined ? {} : { level: values.level }),
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
    ...(values.application === undefined ? {} : { application: values.application }),
  };
  const first = await fetchLogs(deployUrl, target.repository, query, token.token);
  const logs = first.answer.body?.data?.logs;
  const records = [...(logs?.records ?? [])];
  if (!flags.has("follow")) {
    io.out(
      `${records.length} record(s) for ${logs?.repository ?? target.repository} (${logs?.environment ?? environment}), newest first`,
    );
    for (const record of records) print(record);
    if (logs?.cursor) io.out(`More records: w7s logs --cursor ${logs.cursor}`);
    return 0;
  }
  // Following prints oldest first, then each new record once, as it appears.
  const seen = new Set<string>();
  const key = (record: LogRecordView) => record.id ?? `${record.timestamp}\u0000${record.text ?? ""}`;
  for (const record of records.reverse()) {
    seen.add(key(record));
    print(record);
  }
  let since = records.at(-1)?.timestamp ?? new Date(Date.now() - 60_000).toISOString();
  const interval = Math.max(0.2, Number(values.interval ?? 2)) * 1000;
  io.err(`Following ${target.repository} (${environment}); Ctrl+C to stop.`);
  let stop = false;
  void io.stopped?.then(() => {
    stop = true;
  });
  while (!stop) {
    await sleep(interval, io.stopped);
    if (stop) break;
    const next = await fetchLogs(
      deployUrl,
      target.repository,
      { ...query, from: since, to: new Date(Date.now() + 1000).toISOString(), cursor: "" },
      token.token,
    ).catch((error: unknown) => {
      io.err(error instanceof Error ? error.message : String(error));
      return undefined;
    });
    const fresh = [...(next?.answer.body?.data?.logs?.records ?? [])]
      .reverse()
      .filter((record) => !seen.has(key(record)));
    for (const record of fresh) {
      seen.add(key(record));
      print(record);
      if (record.timestamp !== undefined && record.timestamp > since) since = record.timestamp;
    }
  }
  return 0;
};
