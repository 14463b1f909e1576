/**
 * CNAME files of a deploy (H.1, H.2): which custom-domain routes an archive declares, with the branch
 * prefix applied. Parsing only; claiming and serving the routes belongs to the custom-domain feature.
 */
import { customDomainBranchPrefix, sanitizeScriptPart } from "@w7s/env-naming";
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";

/** Where CNAME files are read from, in merge order. */
export const CNAME_FILES = [
  "CNAME",
  "frontend/CNAME",
  "frontend/dist/CNAME",
  "dist/client/CNAME",
  "dist/CNAME",
  "build/CNAME",
  "out/CNAME",
] as const;

/** One declared route: `hostname` and a path prefix (`/` for the host root). */
export interface CustomDomainRouteSpec {
  readonly hostname: string;
  readonly pathPrefix: string;
  /** `host` or `host/prefix`, as responses show it. */
  readonly display: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])$/;

/** The exact H.1/H.2 texts. */
export const customDomainMessages = {
  invalidDomain: (line: string) => `Invalid custom domain in CNAME file: ${line}`,
  invalidPath: (line: string) => `Invalid custom domain path in CNAME file: ${line}`,
  invalidBranchDomain: (candidate: string) =>
    `Invalid branch custom domain ${candidate} derived from CNAME file.`,
  emptyBranchDomain: (display: string) => `Invalid branch custom domain for ${display}.`,
} as const;

const fail = (message: string) => Result.fail(new BadRequest({ message }));

const normalizePrefix = (raw: string, line: string): Result.Result<string, BadRequest> => {
  if (raw === "" || raw === "/") return Result.succeed("/");
  let pathname: string;
  try {
    pathname = new URL(raw.startsWith("/") ? raw : `/${raw}`, "https://w7s.invalid").pathname;
  } catch {
    return fail(customDomainMessages.invalidPath(line));
  }
  const trimmed = pathname.replace(/\/+$/, "");
  const segments = trimmed.split("/").slice(1);
  if (trimmed.includes("//") || segments.some((segment) => segment === "." || segment === "..")) {
    return fail(customDomainMessages.invalidPath(line));
  }
  return Result.succeed(trimmed === "" ? "/" : trimmed);
};

const parseLine = (
  original: string,
  branch: string,
  direct: boolean,
): Result.Result<CustomDomainRouteSpec, BadRequest> => {
  let line = original.toLowerCase();
  if (direct) line = line.replaceAll("{branch}", sanitizeScriptPart(branch));
  let hostname: string;
  let rawPrefix: string;
  if (line.startsWith("http://") || line.startsWith("https://")) {
    try {
      const url = new URL(line);
      hostname = url.hostname;
      rawPrefix = url.pathname;
    } catch {
      return fail(customDomainMessages.invalidDomain(original));
    }
  } else {
    const slash = line.indexOf("/");
    hostname = slash < 0 ? line : line.slice(0, slash);
    rawPrefix = slash < 0 ? "/" : line.slice(slash);
  }
  hostname = hostname.replace(/\.$/, "");
  if (!HOSTNAME.test(hostname)) return fail(customDomainMessages.invalidDomain(original));
  const prefix = normalizePrefix(rawPrefix, original);
  if (Result.isFailure(prefix)) return Result.fail(prefix.failure);
  const pathPrefix = prefix.success;
  return Result.succeed({
    hostname,
    pathPrefix,
    display: pathPrefix === "/" ? hostname : `${hostname}${pathPrefix}`,
  });
};

/**
 * The routes of every CNAME file, de-duplicated by display form; on a branch other than `main` (unless
 * `direct`) each hostname's first label gets the `<branch>--` prefix of H.2.
 */
export const customDomainRoutes = (input: {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly branch: string;
  readonly direct: boolean;
}): Result.Result<readonly CustomDomainRouteSpec[], BadRequest> => {
  const decoder = new TextDecoder();
  const routes = new Map<string, CustomDomainRouteSpec>();
  const prefixed = !input.direct && input.branch.trim() !== "main";
  for (const file of CNAME_FILES) {
    const bytes = input.files.get(file);
    if (bytes === undefined) continue;
    for (const rawLine of decoder.decode(bytes).split(/\r?\n/)) {
      const line = rawLine.trim();
      if (line === "" || line.startsWith("#")) continue;
      const parsed = parseLine(line, input.branch, input.direct);
      if (Result.isFailure(parsed)) return Result.fail(parsed.failure);
      let route = parsed.success;
      if (prefixed) {
        const label = customDomainBranchPrefix(input.branch);
        const [first = "", ...rest] = route.hostname.split(".");
        if (label === "" || first === "") return fail(customDomainMessages.emptyBranchDomain(route.display));
        const hostname = [`${label}--${first}`, ...rest].join(".");
        if (!HOSTNAME.test(hostname)) return fail(customDomainMessages.invalidBranchDomain(hostname));
        route = {
          hostname,
          pathPrefix: route.pathPrefix,
          display: route.pathPrefix === "/" ? hostname : `${hostname}${route.pathPrefix}`,
        };
      }
      if (!routes.has(route.display)) routes.set(route.display, route);
    }
  }
  return Result.succeed([...routes.values()]);
};
