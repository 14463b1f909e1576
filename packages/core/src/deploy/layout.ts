/** What a deploy archive contains: its native backend entrypoint, its static root, or why it cannot deploy (B.7, B.10, row 14). */
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";

/** Folders that hold a native backend, in the order they are searched and reported. */
export const NATIVE_ROOTS = ["worker", "backend", "dist/server"] as const;

export type NativeRoot = (typeof NATIVE_ROOTS)[number];

/** The native backend that will be published: its entrypoint and the root its modules must stay inside. */
export interface NativeBackend {
  readonly entrypoint: string;
  readonly root: NativeRoot;
}

/** Backend entrypoints in detection order: TypeScript first inside a root, `worker/` before `backend/`. */
const ENTRYPOINTS: readonly NativeBackend[] = [
  { entrypoint: "worker/index.ts", root: "worker" },
  { entrypoint: "worker/index.mts", root: "worker" },
  { entrypoint: "worker/index.js", root: "worker" },
  { entrypoint: "worker/index.mjs", root: "worker" },
  { entrypoint: "backend/index.ts", root: "backend" },
  { entrypoint: "backend/index.mts", root: "backend" },
  { entrypoint: "backend/index.js", root: "backend" },
  { entrypoint: "backend/index.mjs", root: "backend" },
  { entrypoint: "dist/server/index.js", root: "dist/server" },
  { entrypoint: "dist/server/index.mjs", root: "dist/server" },
];

/** The entrypoint paths in detection order, as `requiredEntrypoints` lists them. */
export const ENTRYPOINT_CANDIDATES: readonly string[] = ENTRYPOINTS.map(({ entrypoint }) => entrypoint);

/** The entrypoints as user-facing messages list them (the documented `.js`-first order). */
export const ENTRYPOINT_LIST_TEXT =
  "worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, " +
  "backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs";

/** The exact row-14 texts: a native folder without an entrypoint, and an archive with nothing to deploy. */
export const layoutMessages = {
  entrypointRequired: `Native backend deploy requires ${ENTRYPOINT_LIST_TEXT}.`,
  nothingDeployable: "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
} as const;

/** The folder whose files are published as the static site; route paths are relative to `prefix`. */
export interface StaticRoot {
  /** `frontend/dist`, `dist/client`, ... as messages name it. */
  readonly label: string;
  /** `label` with a trailing `/`. */
  readonly prefix: string;
  /** `index.html` sits directly in the root. */
  readonly hasIndex: boolean;
}

/** The `native_backend_skipped` entry of `deploymentWarnings` (B.10). */
export interface NativeBackendSkippedWarning {
  readonly code: "native_backend_skipped";
  readonly target: string;
  readonly message: string;
  readonly requiredEntrypoints: readonly string[];
}

/** Every `deploymentWarnings` entry W7S emits; only `native_backend_skipped` exists today. */
export type DeploymentWarning = NativeBackendSkippedWarning;

/** A deployable archive. `deploymentWarnings` is what the deploy response reports for this layout. */
export type DeployLayout =
  | {
      readonly _tag: "Fullstack";
      readonly backend: NativeBackend;
      readonly staticRoot: StaticRoot;
      readonly deploymentWarnings: readonly [];
    }
  | { readonly _tag: "Backend"; readonly backend: NativeBackend; readonly deploymentWarnings: readonly [] }
  | { readonly _tag: "Static"; readonly staticRoot: StaticRoot; readonly deploymentWarnings: readonly [] }
  | {
      readonly _tag: "StaticWithSkippedBackend";
      readonly staticRoot: StaticRoot;
      /** The native folders present without an entrypoint. */
      readonly skippedRoots: readonly NativeRoot[];
      readonly deploymentWarnings: readonly [NativeBackendSkippedWarning];
    };

/** How a static root candidate is accepted. */
type StaticRootRule =
  /** Any file under it ("explicit" roots). */
  | "any-file"
  /** `index.html` at its top, or any file when a native entrypoint exists (asset-only SSR client). */
  | "index-or-backend"
  /** `index.html` at its top. */
  | "index";

/** Static root candidates, first accepted wins. */
const STATIC_ROOT_CANDIDATES: ReadonlyArray<{ readonly label: string; readonly rule: StaticRootRule }> = [
  { label: "frontend/dist", rule: "any-file" },
  { label: "frontend/build", rule: "any-file" },
  { label: "frontend/out", rule: "any-file" },
  { label: "dist/client", rule: "index-or-backend" },
  { label: "dist", rule: "index" },
  { label: "build", rule: "index" },
  { label: "out", rule: "index" },
];

/** The `native_backend_skipped` warning for native folders that had no entrypoint (B.10). */
export const nativeBackendSkippedWarning = (roots: readonly NativeRoot[]): NativeBackendSkippedWarning => ({
  code: "native_backend_skipped",
  target: roots.length > 0 ? roots.join(", ") : "native backend",
  message:
    `${roots.length > 0 ? roots.map((root) => `${root}/`).join(", ") : "A native backend folder"} was present, ` +
    "but W7S did not deploy a backend because no supported backend entrypoint was found. " +
    `The frontend was published normally. Add ${ENTRYPOINT_LIST_TEXT} to deploy a backend.`,
  requiredEntrypoints: [...ENTRYPOINT_CANDIDATES],
});

const hasPathUnder = (paths: readonly string[], prefix: string): boolean =>
  paths.some((path) => path.startsWith(prefix));

const findStaticRoot = (
  paths: readonly string[],
  files: ReadonlySet<string>,
  hasBackend: boolean,
): StaticRoot | undefined => {
  for (const { label, rule } of STATIC_ROOT_CANDIDATES) {
    const prefix = `${label}/`;
    const hasIndex = files.has(`${prefix}index.html`);
    const accepted =
      rule === "index"
        ? hasIndex
        : hasPathUnder(paths, prefix) && (rule === "any-file" || hasIndex || hasBackend);
    if (accepted) return { label, prefix, hasIndex };
  }
  return undefined;
};

/**
 * Classifies archive file paths (normalized, common root already stripped). A backend and a static root
 * make a fullstack deploy; either alone is a backend or static deploy; native folders without an
 * entrypoint beside a static root deploy the static site with a `native_backend_skipped` warning.
 * Fails with 400 `Native backend deploy requires ...` when native folders exist but nothing can deploy,
 * and with 400 `Archive must contain ...` when there is neither a native folder nor static output.
 */
export const detectLayout = (paths: readonly string[]): Result.Result<DeployLayout, BadRequest> => {
  const files = new Set(paths);
  const nativeRoots = NATIVE_ROOTS.filter((root) => hasPathUnder(paths, `${root}/`));
  const backend = ENTRYPOINTS.find(({ entrypoint }) => files.has(entrypoint));
  const staticRoot = findStaticRoot(paths, files, backend !== undefined);

  if (backend !== undefined && staticRoot !== undefined) {
    return Result.succeed({ _tag: "Fullstack", backend, staticRoot, deploymentWarnings: [] });
  }
  if (backend !== undefined) return Result.succeed({ _tag: "Backend", backend, deploymentWarnings: [] });
  if (staticRoot !== undefined && nativeRoots.length > 0) {
    return Result.succeed({
      _tag: "StaticWithSkippedBackend",
      staticRoot,
      skippedRoots: nativeRoots,
      deploymentWarnings: [nativeBackendSkippedWarning(nativeRoots)],
    });
  }
  if (staticRoot !== undefined) return Result.succeed({ _tag: "Static", staticRoot, deploymentWarnings: [] });
  return Result.fail(
    new BadRequest({
      message: nativeRoots.length > 0 ? layoutMessages.entrypointRequired : layoutMessages.nothingDeployable,
    }),
  );
};

/** The static root of a layout, if it publishes one. */
export const staticRootOf = (layout: DeployLayout): StaticRoot | undefined =>
  layout._tag === "Backend" ? undefined : layout.staticRoot;

/**
 * Route path -> archive path for every file under the layout's static root, in input order. Nothing is
 * excluded; route paths are relative to the root (`frontend/dist/assets/a.js` -> `assets/a.js`).
 */
export const staticRouteFiles = (
  layout: DeployLayout,
  paths: Iterable<string>,
): ReadonlyMap<string, string> => {
  const routes = new Map<string, string>();
  const root = staticRootOf(layout);
  if (root === undefined) return routes;
  for (const path of paths) {
    if (!path.startsWith(root.prefix)) continue;
    const routePath = path.slice(root.prefix.length);
    if (routePath !== "") routes.set(routePath, path);
  }
  return routes;
};

/** The text for a static root that yielded no files to publish (B.11; answered as 500). */
export const noPublishableFilesMessage = (root: StaticRoot): string =>
  `${root.label} was present but no publishable files were found.`;
