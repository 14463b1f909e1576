/**
 * The backend module graph of a native deploy (B.8): breadth-first from the entrypoint over relative
 * imports, TypeScript stripped, every module named by its path inside the native root. Specifiers are
 * rewritten to the resolved module's path so extensionless imports load in workerd, which does not probe
 * extensions itself.
 */
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";
import type { BackendModule } from "../ports/BackendRuntime.js";
import type { NativeBackend } from "./layout.js";
import { isTypeScriptModule, stripTypes, typescriptMessages } from "./typescript.js";

/** The exact B.8 texts. */
export const moduleGraphMessages = {
  missing: (path: string) => `Worker module ${path} was not found in the deploy archive.`,
  nonRelative: (root: string, specifier: string) =>
    `Native deploy currently supports only relative imports inside ${root}/. Unsupported import: ${specifier}`,
  unresolved: (specifier: string, from: string) => `Could not resolve ${specifier} from ${from}.`,
} as const;

/** What the runtime needs besides the bindings: modules, the main module and `wrangler.json` settings. */
export interface BackendModules {
  readonly mainModule: string;
  readonly modules: readonly BackendModule[];
  /** `compatibility_date` of `<root>/wrangler.json`, when set. */
  readonly compatibilityDate: string | null;
  readonly compatibilityFlags: readonly string[];
}

const STATIC_IMPORT = /^[ \t]*import\s+(?:[^'"`;]*?\s+from\s+|)(["'])([^"'\n]+)\1/gm;
const REEXPORT = /^[ \t]*export\s+(?:\*|\{[^}]*\})\s*from\s*(["'])([^"'\n]+)\1/gm;
const MODULE_EXTENSION = /\.(?:m?js|m?ts)$/;
const CANDIDATE_SUFFIXES = [
  "",
  ".js",
  ".mjs",
  ".ts",
  ".mts",
  "/index.js",
  "/index.mjs",
  "/index.ts",
  "/index.mts",
];

const decoder = new TextDecoder();

const isEmptyOutput = (error: BadRequest, path: string): boolean =>
  error.message === typescriptMessages.emptyOutput(path);

/** Every static import and re-export specifier of a module text, in text order. */
export const importSpecifiers = (text: string): string[] => {
  const found: Array<{ index: number; specifier: string }> = [];
  for (const pattern of [STATIC_IMPORT, REEXPORT]) {
    for (const match of text.matchAll(pattern)) found.push({ index: match.index, specifier: match[2]! });
  }
  return found.sort((a, b) => a.index - b.index).map(({ specifier }) => specifier);
};

const normalizeJoin = (base: string, specifier: string): string => {
  const segments = specifier.startsWith("/") ? [] : base.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments.join("/");
};

const relativeSpecifier = (from: string, to: string): string => {
  const fromParts = from.split("/").slice(0, -1);
  const toParts = to.split("/");
  let common = 0;
  while (common < fromParts.length && common < toParts.length - 1 && fromParts[common] === toParts[common]) {
    common += 1;
  }
  const up = fromParts.length - common;
  const rest = toParts.slice(common).join("/");
  return up === 0 ? `./${rest}` : `${"../".repeat(up)}${rest}`;
};

const readWranglerSettings = (files: ReadonlyMap<string, Uint8Array>, root: string) => {
  const bytes = files.get(`${root}/wrangler.json`);
  let parsed: unknown;
  try {
    parsed = bytes === undefined ? undefined : JSON.parse(decoder.decode(bytes));
  } catch {
    parsed = undefined;
  }
  const settings = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const flags = Array.isArray(settings["compatibility_flags"])
    ? settings["compatibility_flags"].filter(
        (flag): flag is string => typeof flag === "string" && flag !== "",
      )
    : [];
  const date = typeof settings["compatibility_date"] === "string" ? settings["compatibility_date"] : null;
  return { noBundle: settings["no_bundle"] === true, compatibilityDate: date, compatibilityFlags: flags };
};

/** Collects, strips and names the modules of one backend, or the first B.8 error. */
/**
 * Modules the runtime itself provides: `node:*` (B.8) and `cloudflare:*` (`cloudflare:workers` holds the
 * `DurableObject` base class that stateful objects with RPC methods extend, `cloudflare:sockets` the TCP
 * API Postgres drivers use). Both runtimes resolve them natively, so the graph leaves them alone.
 */
const isRuntimeModule = (specifier: string): boolean =>
  specifier.startsWith("node:") || specifier.startsWith("cloudflare:");

export const collectBackendModules = (
  files: ReadonlyMap<string, Uint8Array>,
  backend: NativeBackend,
): Result.Result<BackendModules, BadRequest> => {
  const root = backend.root;
  const prefix = `${root}/`;
  const settings = readWranglerSettings(files, root);
  const queue: string[] = [backend.entrypoint];
  if (settings.noBundle) {
    for (const path of files.keys()) {
      if (path.startsWith(prefix) && MODULE_EXTENSION.test(path) && path !== backend.entrypoint)
        queue.push(path);
    }
  }
  const seen = new Set(queue);
  const modules: BackendModule[] = [];

  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const path = next;
    const bytes = files.get(path);
    const source = bytes === undefined ? "" : decoder.decode(bytes);
    if (source.trim() === "")
      return Result.fail(new BadRequest({ message: moduleGraphMessages.missing(path) }));
    let code = source;
    if (isTypeScriptModule(path)) {
      const stripped = stripTypes(path, source);
      // A module that only declares types strips to nothing; its importers' type imports are elided, so an
      // empty module keeps the graph loadable. Only an empty entrypoint is the B.8 error.
      if (
        Result.isFailure(stripped) &&
        !(path !== backend.entrypoint && isEmptyOutput(stripped.failure, path))
      ) {
        return Result.fail(stripped.failure);
      }
      code = Result.isSuccess(stripped) ? stripped.success : "export {};\n";
    }

    const rewrites = new Map<string, string>();
    for (const specifier of new Set([...importSpecifiers(source), ...importSpecifiers(code)])) {
      if (isRuntimeModule(specifier)) continue;
      if (!/^(?:\.\/|\.\.\/|\/)/.test(specifier)) {
        return Result.fail(new BadRequest({ message: moduleGraphMessages.nonRelative(root, specifier) }));
      }
      const base = normalizeJoin(path, specifier);
      const resolved = CANDIDATE_SUFFIXES.map((suffix) => `${base}${suffix}`).find(
        (candidate) =>
          candidate.startsWith(prefix) && MODULE_EXTENSION.test(candidate) && files.has(candidate),
      );
      if (resolved === undefined) {
        return Result.fail(new BadRequest({ message: moduleGraphMessages.unresolved(specifier, path) }));
      }
      const target = relativeSpecifier(path, resolved);
      if (target !== specifier) rewrites.set(specifier, target);
      if (!seen.has(resolved)) {
        seen.add(resolved);
        queue.push(resolved);
      }
    }
    modules.push({ name: path.slice(prefix.length), content: rewriteSpecifiers(code, rewrites) });
  }

  return Result.succeed({
    mainModule: backend.entrypoint.slice(prefix.length),
    modules,
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
  });
};

const rewriteSpecifiers = (code: string, rewrites: ReadonlyMap<string, string>): string => {
  if (rewrites.size === 0) return code;
  const replace = (statement: string, quote: string, specifier: string) => {
    const target = rewrites.get(specifier);
    return target === undefined
      ? statement
      : statement.replace(`${quote}${specifier}${quote}`, `${quote}${target}${quote}`);
  };
  return code
    .replace(STATIC_IMPORT, (statement, quote: string, specifier: string) =>
      replace(statement, quote, specifier),
    )
    .replace(REEXPORT, (statement, quote: string, specifier: string) => replace(statement, quote, specifier));
};
