/** The `listCurrent` cursor: the last `(environment, orgSlug, repoSlug)` of a page, as base64url JSON. */
import { StoreError } from "@w7s/core";
import { Effect } from "effect";

export type AppCursor = readonly [environment: string, orgSlug: string, repoSlug: string];

export const encodeAppCursor = (cursor: AppCursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString("base64url");

const isAppCursor = (value: unknown): value is AppCursor =>
  Array.isArray(value) && value.length === 3 && value.every((part) => typeof part === "string");

/** Reads a cursor this store issued; anything else is a `NotFound` page, never a thrown exception. */
export const decodeAppCursor = (
  operation: string,
  cursor: string | undefined,
): Effect.Effect<AppCursor | null, StoreError> => {
  if (cursor === undefined) return Effect.succeed(null);
  const notIssued = new StoreError({
    reason: "NotFound",
    operation,
    description: `cursor ${JSON.stringify(cursor)} was not issued by this store`,
  });
  return Effect.try({
    try: () => JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown,
    catch: () => notIssued,
  }).pipe(Effect.flatMap((value) => (isAppCursor(value) ? Effect.succeed(value) : Effect.fail(notIssued))));
};

/** The `listRetained` cursor: the last deployment id of a page, as base64url. */
export const encodeIdCursor = (deploymentId: string): string =>
  Buffer.from(deploymentId).toString("base64url");

/** Reads an id cursor; one this store did not issue is a `NotFound` page. */
export const decodeIdCursor = (
  operation: string,
  cursor: string | undefined,
): Effect.Effect<string | null, StoreError> => {
  if (cursor === undefined) return Effect.succeed(null);
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  return decoded !== "" && encodeIdCursor(decoded) === cursor
    ? Effect.succeed(decoded)
    : Effect.fail(
        new StoreError({
          reason: "NotFound",
          operation,
          description: `cursor ${JSON.stringify(cursor)} was not issued by this store`,
        }),
      );
};
