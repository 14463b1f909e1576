/**
 * Type stripping of `.ts`/`.mts` backend modules (B.8) with sucrase: pure JavaScript, so every adapter
 * produces byte-identical output; ESM, top-level await and import attributes are kept, line numbers too.
 */
import { Result } from "effect";
import { transform } from "sucrase";
import { BadRequest } from "../errors/httpErrors.js";

/** The exact B.8 texts of a module that cannot be transpiled. */
export const typescriptMessages = {
  emptyOutput: (path: string) => `TypeScript transpilation produced empty output for ${path}.`,
  failed: (path: string, reason: string) => `TypeScript transpilation failed for ${path}: ${reason}`,
} as const;

/** Whether a module path is TypeScript that must be stripped before upload. */
export const isTypeScriptModule = (path: string): boolean => /\.m?ts$/i.test(path);

/** JavaScript for one TypeScript module; `path` names it in errors. */
export const stripTypes = (path: string, source: string): Result.Result<string, BadRequest> => {
  let code: string;
  try {
    code = transform(source, {
      transforms: ["typescript"],
      disableESTransforms: true,
      preserveDynamicImport: true,
      filePath: path,
    }).code;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return Result.fail(new BadRequest({ message: typescriptMessages.failed(path, reason) }));
  }
  if (code.trim() === "")
    return Result.fail(new BadRequest({ message: typescriptMessages.emptyOutput(path) }));
  return Result.succeed(code);
};
