/** Reads w7s.json text or a JSON value into a normalized Manifest, with every error or unknown-key warning (C). */
import { Data, Result, Schema } from "effect";
import { type ManifestIssue, manifestErrors, unknownKeyPaths } from "./issues.js";
import { type Manifest, ManifestFileSchema } from "./manifestSchema.js";

/** A w7s.json that cannot be deployed; `message` (the first issue's) is the text of the deploy's 400. */
export class ManifestError extends Data.TaggedError("ManifestError")<{
  readonly message: string;
  readonly issues: readonly ManifestIssue[];
}> {}

/** A key of w7s.json that W7S does not know; it is ignored and reported as a deployment warning (DECISIONS 1). */
export interface ManifestWarning {
  readonly code: "unknown_manifest_key";
  readonly path: string;
  readonly message: string;
}

/** A manifest that can be deployed, with the warnings to show next to the deployment. */
export interface ParsedManifest {
  readonly manifest: Manifest;
  readonly warnings: readonly ManifestWarning[];
}

const decodeAll = Schema.decodeUnknownResult(ManifestFileSchema, {
  errors: "all",
  onExcessProperty: "ignore",
});
const decodeStrict = Schema.decodeUnknownResult(ManifestFileSchema, {
  errors: "all",
  onExcessProperty: "error",
});

const failWith = (issues: readonly [ManifestIssue, ...ManifestIssue[]]) =>
  Result.fail(new ManifestError({ message: issues[0].message, issues }));

const unknownKeyWarning = (path: string): ManifestWarning => ({
  code: "unknown_manifest_key",
  path,
  message: `w7s.json key ${path} is not recognized and was ignored.`,
});

/** Validates and normalizes an already parsed w7s.json value (plain JSON data). */
export const decodeManifest = (value: unknown): Result.Result<ParsedManifest, ManifestError> => {
  const decoded = decodeAll(value);
  if (Result.isFailure(decoded)) {
    const [first, ...rest] = manifestErrors(ManifestFileSchema.ast, decoded.failure.issue);
    return failWith(
      first === undefined ? [{ path: "", message: "w7s.json is not valid." }] : [first, ...rest],
    );
  }
  // A second pass with excess keys as errors finds the unknown keys; the value itself came from the first.
  const strict = decodeStrict(value);
  const warnings = Result.isFailure(strict)
    ? unknownKeyPaths(strict.failure.issue).map(unknownKeyWarning)
    : [];
  return Result.succeed({ manifest: decoded.success, warnings });
};

/** Parses the text of w7s.json; missing or blank text is the empty manifest (all defaults). */
export const parseManifest = (text: string | undefined): Result.Result<ParsedManifest, ManifestError> => {
  const source = (text ?? "").replace(/^\uFEFF/u, "");
  if (source.trim() === "") return decodeManifest({});
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return failWith([{ path: "", message: `Invalid w7s.json: ${reason}` }]);
  }
  return decodeManifest(value);
};
