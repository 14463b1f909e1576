/** Decoding of the `x-w7s-vars` / `x-w7s-secrets` headers into name -> value maps (B.9, DECISIONS 4). */
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";

/** The two headers that carry runtime values. */
export type RuntimeValuesHeader = "x-w7s-vars" | "x-w7s-secrets";

/** Names a runtime value may have: an environment variable name. */
export const RUNTIME_VALUE_NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The exact 400 texts of B.9. */
export const runtimeValuesMessages = {
  notBase64Url: (header: RuntimeValuesHeader) => `${header} must be base64url-encoded JSON.`,
  notJson: (header: RuntimeValuesHeader, parserMessage: string) =>
    `${header} must contain JSON: ${parserMessage}`,
  notObject: (header: RuntimeValuesHeader) => `${header} must decode to an object.`,
  invalidName: (header: RuntimeValuesHeader, key: string) =>
    `${header} contains invalid environment variable name ${key}.`,
  notString: (header: RuntimeValuesHeader, key: string) => `${header}.${key} must be a string.`,
} as const;

/** 6-bit value of each base64 character; both the URL-safe (`-`, `_`) and the classic (`+`, `/`) pair. */
const SEXTETS: ReadonlyMap<string, number> = new Map(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"]
    .map((character, index): [string, number] => [character, index])
    .concat([
      ["-", 62],
      ["_", 63],
      ["+", 62],
      ["/", 63],
    ]),
);

/**
 * Base64url text to bytes, padding optional but, when present, complete. `undefined` for anything else
 * (foreign characters, a lone trailing character, misplaced `=`). Unused trailing bits are ignored.
 */
const decodeBase64Url = (text: string): Uint8Array | undefined => {
  const padding = text.length - text.replace(/=+$/, "").length;
  if (padding > 2 || (padding > 0 && text.length % 4 !== 0)) return undefined;
  const body = text.slice(0, text.length - padding);
  if (body.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((body.length * 6) / 8));
  let buffer = 0;
  let bufferedBits = 0;
  let written = 0;
  for (const character of body) {
    const sextet = SEXTETS.get(character);
    if (sextet === undefined) return undefined;
    buffer = ((buffer << 6) | sextet) & 0xffffff;
    bufferedBits += 6;
    if (bufferedBits >= 8) {
      bufferedBits -= 8;
      bytes[written] = (buffer >> bufferedBits) & 0xff;
      written += 1;
    }
  }
  return bytes;
};

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
};

const parseJson = (text: string): { readonly value: unknown } | { readonly parserMessage: string } => {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { parserMessage: error instanceof Error ? error.message : String(error) };
  }
};

const reject = (message: string): Result.Result<never, BadRequest> =>
  Result.fail(new BadRequest({ message }));

/**
 * The values a header carries: base64url (padding optional) -> bytes -> UTF-8 -> JSON object whose keys are
 * environment variable names and whose values are strings. A missing, empty or blank header means `{}`.
 * Unlike the reference (which used Latin-1 `atob`), non-ASCII values arrive intact. Every failure is a 400
 * with the exact B.9 text; the first bad entry in object order is the one reported.
 */
export const decodeRuntimeValues = (
  header: RuntimeValuesHeader,
  value: string | null | undefined,
): Result.Result<Readonly<Record<string, string>>, BadRequest> => {
  const encoded = (value ?? "").trim();
  if (encoded === "") return Result.succeed({});
  const bytes = decodeBase64Url(encoded);
  const text = bytes === undefined ? undefined : decodeUtf8(bytes);
  if (text === undefined) return reject(runtimeValuesMessages.notBase64Url(header));
  const parsed = parseJson(text);
  if ("parserMessage" in parsed) return reject(runtimeValuesMessages.notJson(header, parsed.parserMessage));
  const object = parsed.value;
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    return reject(runtimeValuesMessages.notObject(header));
  }
  const entries = Object.entries(object);
  for (const [key, entry] of entries) {
    if (!RUNTIME_VALUE_NAME_PATTERN.test(key)) return reject(runtimeValuesMessages.invalidName(header, key));
    if (typeof entry !== "string") return reject(runtimeValuesMessages.notString(header, key));
  }
  // fromEntries defines own properties, so a `__proto__` key stays a plain value.
  return Result.succeed(Object.fromEntries(entries) as Record<string, string>);
};
