/**
 * `w7s dev` (alias `w7s-local`): the local router of the local-development page, and the app's own backend
 * in workerd with its `w7s.json` bindings, republished within a second of a file change.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, watch } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, relative, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { isExcludedFromDeploy } from "@w7s/action";
import { cronMatches } from "@w7s/core";
import {
  branchToEnvironment,
  normalizeEnvironmentSlug,
  normalizeSlug,
  PRODUCTION,
  runtimeHostname,
} from "@w7s/env-naming";
import { parseCron } from "@w7s/manifest";
import { Result } from "effect";
import { parseArgs, UsageError } from "../args.js";
import { gitFacts, localRepoName } from "../git.js";
import type { CommandIo } from "../io.js";
import { issuePlatformTokens, LOCAL_DATA_DIR, type LoadedApp, makeDevBackend } from "./devBackend.js";
import { frontendFolder, makeDevRouter } from "./devRouter.js";
import { makeRegistry, registryDirectory } from "./registry.js";

export const devUsage = `Usage: w7s dev [options]      (also: w7s-local [options])

Serves the app at W7S-shaped local URLs. With a backend (backend/index.ts, worker/index.js, ...) and no
--backend, runs it in workerd with the bindings of w7s.json (data in ${LOCAL_DATA_DIR}/), and reloads it
when a file changes.

  --root <dir>             app root (default: the current directory)
  --owner <slug>           owner (default: the git remote's, else "local")
  --repo <slug>            repo (default: the git remote's, else package.json name, else the folder)
  --environment <name>     environment (default: the branch's; production for main/master)
  --base-domain <domain>   local base domain (default local.w7s.cloud; *.localhost works too)
  --port <port>            router port (default 8787; 0 picks a free one)
  --host <address>         address to listen on (default 127.0.0.1)
  --frontend <dir>         static folder (default: the detected static root)
  --backend <url>          proxy the backend to this dev server instead of running one
  --command <command>      start this dev command first (stopped with w7s dev)
  --data-dir <dir>         where bindings keep their data (default ${LOCAL_DATA_DIR})
  --hyperdrive <id=url,...> Postgres bindings: bindings.hyperdrive id -> postgres:// URL (W7S_HYPERDRIVE)
  --no-watch               do not reload on changes`;

/** What `w7s dev` serves, as its status endpoint reports it. */
export interface DevIdentity {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
  readonly branch: string;
  readonly sha: string;
}

/** owner/repo/environment from the flags, else git, else package.json / folder name. */
export const devIdentity = (root: string, values: Readonly<Record<string, string>>): DevIdentity => {
  const facts = gitFacts(root);
  const owner = normalizeSlug(values.owner ?? facts.owner ?? "local");
  const repo = normalizeSlug(values.repo ?? facts.repo ?? localRepoName(root));
  if (owner === "") throw new UsageError("--owner must contain a letter or digit.");
  if (repo === "") throw new UsageError("--repo must contain a letter or digit.");
  const branch = facts.branch ?? "main";
  const environment =
    values.environment === undefined
      ? branchToEnvironment(branch)
      : normalizeEnvironmentSlug(values.environment) || PRODUCTION;
  return { owner, repo, environment, branch, sha: facts.sha ?? "local" };
};

/** A running `w7s dev`, for tests and embedding. */
export interface RunningDev {
  readonly url: string;
  readonly port: number;
  readonly identity: DevIdentity;
  /** Resolves after the next successful (re)load. */
  readonly reloaded: () => Promise<LoadedApp>;
  readonly close: () => Promise<void>;
}

const WATCH_DEBOUNCE_MS = 30;

/** `id=postgres://...` pairs, comma separated. */
export const parseHyperdrive = (value: string | undefined): Record<string, string> => {
  const bindings: Record<string, string> = {};
  for (const pair of (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")) {
    const at = pair.indexOf("=");
    const id = pair.slice(0, at).trim();
    const url = pair.slice(at + 1).trim();
    if (at <= 0 || !/^postgres(?:ql)?:\/\//.test(url))
      throw new UsageError(`--hyperdrive ${pair} must be <id>=postgres://user:password@host:port/db.`);
    bindings[id] = url;
  }
  return bindings;
};

export const startDev = async (argv: readonly string[], io: CommandIo): Promise<RunningDev> => {
  const { values, flags } = parseArgs(argv, {
    valued: [
      "root",
      "owner",
      "repo",
      "environment",
      "base-domain",
      "port",
      "host",
      "frontend",
      "backend",
      "command",
      "data-dir",
    ],
    booleans: ["no-watch"],
  });
  const root = resolve(io.cwd, values.root ?? ".");
  if (!existsSync(root)) throw new UsageError(`--root ${root} does not exist.`);
  const identity = devIdentity(root, values);
  const baseDomain = (values["base-domain"] ?? "local.w7s.cloud").toLowerCase();
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${values.port} is not a port.`);
  const hostAddress = values.host ?? "127.0.0.1";
  if (values.backend !== undefined) {
    try {
      new URL(values.backend);
    } catch {
      throw new UsageError(`--backend ${values.backend} is not a URL (for example http://localhost:5173).`);
    }
  }
  const dataDir = resolve(root, values["data-dir"] ?? LOCAL_DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const explicitFrontend = values.frontend === undefined ? undefined : resolve(root, values.frontend);
  const hyperdrive = parseHyperdrive(values.hyperdrive ?? io.env.W7S_HYPERDRIVE);
  const tokens = issuePlatformTokens();
  const ingressToken = randomBytes(24).toString("base64url");
  const registry = makeRegistry(registryDirectory(io.env));
  const app = { environment: identity.environment, orgSlug: identity.owner, repoSlug: identity.repo };

  let routerUrl = "";
  let backend: ReturnType<typeof makeDevBackend> | undefined;
  let loaded: LoadedApp | undefined;
  let lastError: string | undefined;
  let reloads = 0;
  let loadedAt: string | undefined;
  const waiters: Array<(app: LoadedApp) => void> = [];

  const frontend = () =>
    explicitFrontend ??
    frontendFolder(root, loaded?.layout?._tag === "Backend" ? undefined : loaded?.layout?.staticRoot.label);

  const hostFor = runtimeHostname({ environment: identity.environment, owner: identity.owner, baseDomain });
  const status = () => ({
    ok: lastError === undefined,
    service: "w7s-dev",
    owner: identity.owner,
    repo: identity.repo,
    repository: `${identity.owner}/${identity.repo}`,
    environment: identity.environment,
    branch: identity.branch,
    baseDomain,
    root,
    dataDir,
    urls: {
      app: `http://${hostFor}:${new URL(routerUrl).port}/${identity.repo}/`,
      direct: `${routerUrl}/${identity.repo}/`,
    },
    frontend: frontend() ?? null,
    backend:
      values.backend !== undefined
        ? { mode: "proxy", url: values.backend }
        : loaded?.backend !== undefined
          ? {
              mode: "workerd",
              entrypoint: loaded.backend.entrypoint,
              deploymentId: loaded.backend.deploymentId,
              bindings: loaded.backend.bindings,
              migrationsApplied: loaded.backend.migrationsApplied,
            }
          : { mode: "none" },
    layoutError: loaded?.layoutError ?? null,
    lastError: lastError ?? null,
    reloads,
    loadedAt: loadedAt ?? null,
    schedules: loaded?.manifest?.schedules ?? [],
    queues: loaded?.manifest?.queues.map((queue) => ({ name: queue.name, consumer: queue.consumer })) ?? [],
    registry: registry.directory,
    peers: registry.entries().map(({ owner, repo, environment, url }) => ({ owner, repo, environment, url })),
  });

  const router = makeDevRouter({
    owner: identity.owner,
    repo: identity.repo,
    environment: identity.environment,
    baseDomain,
    root,
    frontend,
    backendUrl: values.backend,
    get backend() {
      return backend;
    },
    tokens,
    ingressToken,
    registry,
    status,
    log: (line) => io.err(line),
  } as Parameters<typeof makeDevRouter>[0]);

  const server = await new Promise<ReturnType<typeof serve>>((done, fail) => {
    const listening = serve({ fetch: router.fetch, port, hostname: hostAddress }, () => done(listening));
    listening.once("error", (error: NodeJS.ErrnoException) =>
      fail(
        error.code === "EADDRINUSE"
          ? new UsageError(`Port ${port} is in use: pass --port <another>, e.g. --port ${port + 1}.`)
          : error,
      ),
    );
  });
  const actualPort = (server.address() as AddressInfo).port;
  routerUrl = `http://${hostAddress.includes(":") ? `[${hostAddress}]` : hostAddress}:${actualPort}`;

  if (values.backend === undefined)
    backend = makeDevBackend({
      root,
      dataDir,
      app,
      repository: `${identity.owner}/${identity.repo}`,
      branch: identity.branch,
      sha: identity.sha,
      platformServiceUrl: `http://127.0.0.1:${actualPort}`,
      tokens,
      environmentVariables: io.env,
      hyperdrive,
    });

  let loading: Promise<void> | undefined;
  let again = false;
  const reload = async (reason: string): Promise<void> => {
    if (loading !== undefined) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        const started = Date.now();
        try {
          if (backend !== undefined) loaded = await backend.load();
          lastError = undefined;
          reloads += 1;
          loadedAt = new Date().toISOString();
          const what =
            loaded?.backend !== undefined
              ? `backend ${loaded.backend.entrypoint}`
              : (loaded?.layoutError ?? "static files");
          io.err(`${reason}: ${what} ready in ${Date.now() - started} ms`);
          if (loaded !== undefined) for (const resolveWaiter of waiters.splice(0)) resolveWaiter(loaded);
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
          io.err(
            `${reason}: could not load the app (the previous version keeps serving):\n  ${lastError.replaceAll("\n", "\n  ")}`,
          );
        }
      } while (again);
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  };

  await reload("start");
  const unregister = registry.register({
    owner: identity.owner,
    repo: identity.repo,
    environment: identity.environment,
    url: `http://127.0.0.1:${actualPort}`,
    pid: process.pid,
    ingressToken,
  });

  let watcher: ReturnType<typeof watch> | undefined;
  if (!flags.has("no-watch") && backend !== undefined) {
    let timer: NodeJS.Timeout | undefined;
    const dataRelative = relative(root, dataDir).replaceAll("\\", "/");
    const changed = new Set<string>();
    watcher = watch(root, { recursive: true }, (_event, name) => {
      if (name === null) return;
      const path = relative(root, join(root, name.toString())).replaceAll("\\", "/");
      if (
        path.startsWith(`${dataRelative}/`) ||
        path === dataRelative ||
        isExcludedFromDeploy(path) ||
        isExcludedFromDeploy(`${path}/`)
      )
        return;
      changed.add(path);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...changed];
        changed.clear();
        void reload(
          `changed ${files.slice(0, 3).join(", ")}${files.length > 3 ? ` and ${files.length - 3} more` : ""}`,
        );
      }, WATCH_DEBOUNCE_MS);
    });
  }

  // Schedules (E.5): checked at each minute boundary while the dev server runs.
  let lastMinute = "";
  const scheduleTimer = setInterval(() => {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const iso = minute.toISOString();
    if (iso === lastMinute) return;
    lastMinute = iso;
    const due = (loaded?.manifest?.schedules ?? []).filter((schedule) => {
      const parsed = parseCron(schedule.cron);
      return Result.isSuccess(parsed) && cronMatches(parsed.success, minute);
    });
    if (due.length > 0)
      void router.runSchedules(due, iso).then((results) => {
        for (const result of results)
          io.err(`schedule ${result.cron} ${result.path}: HTTP ${result.status ?? "none"}`);
      });
  }, 1000);
  scheduleTimer.unref();

  let child: ChildProcess | undefined;
  if (values.command !== undefined) {
    io.err(`starting: ${values.command}`);
    child = spawn(values.command, {
      cwd: root,
      shell: true,
      stdio: "inherit",
      env: io.env as NodeJS.ProcessEnv,
      detached: true,
    });
    child.on("exit", (code) =>
      io.err(`${values.command} exited${code === null ? "" : ` with code ${code}`}`),
    );
  }

  const shownPort = actualPort === 80 ? "" : `:${actualPort}`;
  io.out(`w7s dev: ${identity.owner}/${identity.repo} (${identity.environment}) on ${routerUrl}`);
  io.out(`  open   http://${hostFor}${shownPort}/${identity.repo}/`);
  io.out(`  curl   curl -H 'host: ${hostFor}' ${routerUrl}/${identity.repo}/`);
  io.out(`  direct ${routerUrl}/${identity.repo}/`);
  io.out(`  status ${routerUrl}/_w7s/local/status`);
  if (backend !== undefined && loaded?.backend !== undefined)
    io.out(
      `  backend ${loaded.backend.entrypoint} in workerd; bindings: ${loaded.backend.bindings.map((binding) => binding.name).join(", ") || "none"}; data in ${relative(io.cwd, dataDir) || "."}`,
    );

  return {
    url: routerUrl,
    port: actualPort,
    identity,
    reloaded: () => new Promise((done) => waiters.push(done)),
    close: async () => {
      watcher?.close();
      clearInterval(scheduleTimer);
      unregister();
      if (child?.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {}
      }
      await new Promise<void>((done) => {
        server.close(() => done());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await backend?.close();
    },
  };
};

export const devCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const running = await startDev(argv, io);
  io.err("Press Ctrl+C to stop.");
  await (io.stopped ?? new Promise<void>(() => {}));
  await running.close();
  return 0;
};
