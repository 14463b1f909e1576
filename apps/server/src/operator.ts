/**
 * The operator commands: `w7s-server limits get|set|delete` edit the usage-limit override records (F.3) and
 * `w7s-server suspend|resume <owner>/<repo>` hold or release an app (DECISIONS 8), both in the configured
 * control-plane database (the data directory's SQLite file, or Postgres with `--database-url`). A running
 * server sees a change within 5 seconds (its caches of policies and suspensions, D.9).
 */
import { usagePolicyStoreLayer, usageStoreLayer } from "@w7s/adapter-node";
import {
  type AppRef,
  deletePolicyOverride,
  liftOperatorSuspension,
  OverrideRefused,
  parseScope,
  policyOverview,
  type StoreError,
  setPolicyOverride,
  suspendByOperator,
  UsageStore,
} from "@w7s/core";
import { applicationScopedRepoSlug, requireEnvironmentSlug, requireSlug } from "@w7s/env-naming";
import { Effect, Option, Result } from "effect";
import { type ServerSettings, SettingsError } from "./config.js";

/** Options of the operator commands, taken out of the arguments that are not settings. */
const OPTIONS = [
  "--owner",
  "--repo",
  "--environment",
  "--application",
  "--scope",
  "--metric",
  "--daily-units",
  "--warning-threshold",
  "--reason",
] as const;
type OptionName = (typeof OPTIONS)[number];

export interface OperatorArguments {
  readonly options: Partial<Record<OptionName, string>>;
  readonly switches: ReadonlySet<string>;
  readonly positional: readonly string[];
}

/** Splits `rest` into `--name value` options, bare switches (`--limit`) and positional arguments. */
export const parseOperatorArguments = (
  rest: readonly string[],
  switches: readonly string[] = [],
): OperatorArguments => {
  const options: Partial<Record<OptionName, string>> = {};
  const seen = new Set<string>();
  const positional: string[] = [];
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index]!;
    if (!argument.startsWith("--")) {
      positional.push(argument);
      continue;
    }
    const [name, inline] = argument.split(/=(.*)/s, 2) as [string, string | undefined];
    if (switches.includes(name)) {
      seen.add(name);
      continue;
    }
    if (!(OPTIONS as readonly string[]).includes(name)) throw new SettingsError(`Unknown option ${name}.`);
    const value = inline ?? rest[++index];
    if (value === undefined) throw new SettingsError(`${name} needs a value.`);
    options[name as OptionName] = value;
  }
  return { options, switches: seen, positional };
};

const numberOption = (args: OperatorArguments, name: OptionName): number | undefined => {
  const raw = args.options[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new SettingsError(`${name} must be a number.`);
  return value;
};

/** The app an operator command names: `<owner>/<repo>` (or `--owner`/`--repo`), `--environment`, `--application`. */
export const operatorApp = (args: OperatorArguments): AppRef => {
  const [first] = args.positional;
  const [ownerPart, repoPart, extra] = first === undefined ? [] : first.split("/");
  const owner = args.options["--owner"] ?? ownerPart;
  const repo = args.options["--repo"] ?? repoPart;
  if (owner === undefined || repo === undefined || extra !== undefined)
    throw new SettingsError("Name the app as <owner>/<repo> (or --owner and --repo).");
  const orgSlug = requireSlug(owner, "repository owner");
  if (Result.isFailure(orgSlug)) throw new SettingsError("Invalid repository owner.");
  const repoSlug = requireSlug(repo, "repository name");
  if (Result.isFailure(repoSlug)) throw new SettingsError("Invalid repository name.");
  const environment = requireEnvironmentSlug(args.options["--environment"] ?? "production");
  if (Result.isFailure(environment)) throw new SettingsError("Invalid environment.");
  const application = args.options["--application"];
  if (application === undefined)
    return { environment: environment.success, orgSlug: orgSlug.success, repoSlug: repoSlug.success };
  const scoped = requireSlug(application, "application name");
  if (Result.isFailure(scoped)) throw new SettingsError("Invalid application name.");
  return {
    environment: environment.success,
    orgSlug: orgSlug.success,
    repoSlug: applicationScopedRepoSlug(repoSlug.success, scoped.success),
  };
};

const database = (settings: ServerSettings) => ({
  dataDir: settings.dataDir,
  databaseUrl: settings.databaseUrl,
});

const runWith = <A, E, R>(effect: Effect.Effect<A, E, R>, layer: unknown): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(
      (effect as Effect.Effect<A, E, never>).pipe(
        Effect.provide(layer as never),
        Effect.mapError((error: unknown) =>
          error instanceof OverrideRefused
            ? new SettingsError(error.message)
            : new SettingsError(
                `The control-plane database failed: ${(error as StoreError).message ?? String(error)}`,
              ),
        ),
      ),
    ) as Effect.Effect<A, SettingsError>,
  );

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** `limits get|set|delete`: returns what it printed, for tests. */
export const limitsCommand = async (settings: ServerSettings, rest: readonly string[]): Promise<unknown> => {
  const [action, ...more] = rest;
  const args = parseOperatorArguments(more);
  const layer = usagePolicyStoreLayer(database(settings));
  const scopeOf = () => {
    const scope = args.options["--scope"];
    if (scope === undefined) throw new SettingsError("--scope is required.");
    const parsed = parseScope(scope);
    if (Result.isFailure(parsed)) throw new SettingsError(parsed.failure.message);
    return parsed.success;
  };
  const target = {
    owner: args.options["--owner"],
    repo: args.options["--repo"],
    environment: args.options["--environment"],
  };
  let result: unknown;
  if (action === "get") {
    result = await runWith(policyOverview(operatorApp(args)), layer);
  } else if (action === "set") {
    const metric = args.options["--metric"];
    if (metric === undefined) throw new SettingsError("--metric is required.");
    result = await runWith(
      setPolicyOverride({
        scope: scopeOf(),
        target,
        metric,
        dailyUnits: numberOption(args, "--daily-units"),
        warningThreshold: numberOption(args, "--warning-threshold"),
      }),
      layer,
    );
  } else if (action === "delete") {
    result = await runWith(
      deletePolicyOverride({ scope: scopeOf(), target, metric: args.options["--metric"] }),
      layer,
    );
  } else {
    throw new SettingsError("Usage: w7s-server limits get|set|delete [options] (see w7s-server help).");
  }
  print(result);
  return result;
};

/** `suspend <owner>/<repo>`: an operator suspension, held until `resume`. */
export const suspendCommand = async (settings: ServerSettings, rest: readonly string[]): Promise<unknown> => {
  const args = parseOperatorArguments(rest);
  const app = operatorApp(args);
  const state = await runWith(
    suspendByOperator(app, args.options["--reason"] ?? "Suspended by the operator."),
    usageStoreLayer(database(settings)),
  );
  print(state);
  return state;
};

/** `resume <owner>/<repo> [--limit]`: lifts the operator's suspension, and with `--limit` a limit suspension too. */
export const resumeCommand = async (settings: ServerSettings, rest: readonly string[]): Promise<unknown> => {
  const args = parseOperatorArguments(rest, ["--limit"]);
  const app = operatorApp(args);
  const result = await runWith(
    Effect.gen(function* () {
      yield* liftOperatorSuspension(app);
      const store = yield* UsageStore;
      if (args.switches.has("--limit")) yield* store.lift(app, "limit");
      const left = yield* store.suspension(app);
      return {
        resumed: `${app.orgSlug}/${app.repoSlug}`,
        environment: app.environment,
        stillSuspended: Option.match(left, {
          onNone: () => null,
          onSome: (state) => ({
            by: state.suspendedBy,
            reason: state.reason,
            resumeAfter: state.resumeAfter ?? null,
          }),
        }),
      };
    }),
    usageStoreLayer(database(settings)),
  );
  print(result);
  return result;
};
