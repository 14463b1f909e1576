/**
 * The `x-w7s-vars` / `x-w7s-secrets` headers the official action sends (J.3 step 5): names from `w7s.json`
 * plus the `vars`/`secrets` inputs, values taken from the process environment, base64url JSON.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME_VALUE_NAME_PATTERN } from "@w7s/core";

/** A `w7s.json` that is not JSON, or a runtime value name that is not an environment variable name. */
export class RuntimeValuesError extends Error {
  override readonly name = "RuntimeValuesError";
}

/** The exact texts of J.3 step 5. */
export const runtimeValuesErrorMessages = {
  invalidManifest: (message: string) => `Invalid w7s.json: ${message}`,
  invalidName: (name: string) => `Invalid environment variable name: ${name}`,
} as const;

/** The `vars` and `secrets` names a `w7s.json` declares; a file that is not a JSON object declares none. */
export interface DeclaredNames {
  readonly vars: readonly string[];
  readonly secrets: readonly string[];
}

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/** Reads `<directory>/w7s.json` if present. Throws `RuntimeValuesError` with `Invalid w7s.json: ...` for bad JSON. */
export const readDeclaredNames = (directory: string): DeclaredNames => {
  const path = join(directory, "w7s.json");
  if (!existsSync(path)) return { vars: [], secrets: [] };
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new RuntimeValuesError(
      runtimeValuesErrorMessages.invalidManifest(error instanceof Error ? error.message : String(error)),
    );
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return { vars: [], secrets: [] };
  const record = manifest as Record<string, unknown>;
  return { vars: stringsOf(record.vars), secrets: stringsOf(record.secrets) };
};

/** `a, b,c` -> `["a", "b", "c"]`: the comma-separated `vars`/`secrets` inputs. */
export const splitNames = (input: string | undefined): string[] =>
  (input ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");

/**
 * The values of `names` (deduplicated, in order) that exist in `environment`; an empty string counts.
 * Throws `RuntimeValuesError` `Invalid environment variable name: <name>` for a name that is not one.
 */
export const collectValues = (
  names: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string> => {
  const values: Record<string, string> = {};
  for (const name of new Set(names)) {
    if (!RUNTIME_VALUE_NAME_PATTERN.test(name))
      throw new RuntimeValuesError(runtimeValuesErrorMessages.invalidName(name));
    const value = environment[name];
    if (value !== undefined) Object.defineProperty(values, name, { value, enumerable: true });
  }
  return values;
};

/** base64url (no padding) of the UTF-8 JSON of `values`; `undefined` for `{}` (the header is left out). */
export const encodeRuntimeValues = (values: Readonly<Record<string, string>>): string | undefined =>
  Object.keys(values).length === 0
    ? undefined
    : Buffer.from(JSON.stringify(values), "utf8").toString("base64url");

/** The two headers for a deploy of `directory`: manifest names plus input names, valued from `environment`. */
export const runtimeValueHeaders = (input: {
  readonly directory: string;
  readonly vars?: string | undefined;
  readonly secrets?: string | undefined;
  readonly environment: Readonly<Record<string, string | undefined>>;
}): { readonly "x-w7s-vars"?: string; readonly "x-w7s-secrets"?: string; readonly names: DeclaredNames } => {
  const declared = readDeclaredNames(input.directory);
  const varNames = [...declared.vars, ...splitNames(input.vars)];
  const secretNames = [...declared.secrets, ...splitNames(input.secrets)];
  const vars = encodeRuntimeValues(collectValues(varNames, input.environment));
  const secrets = encodeRuntimeValues(collectValues(secretNames, input.environment));
  return {
    ...(vars === undefined ? {} : { "x-w7s-vars": vars }),
    ...(secrets === undefined ? {} : { "x-w7s-secrets": secrets }),
    names: { vars: [...new Set(varNames)], secrets: [...new Set(secretNames)] },
  };
};
