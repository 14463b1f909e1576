/**
 * The part of the Cloudflare REST API the adapter calls, as a small interface that `@w7s/cloudflare-api`'s
 * `makeCloudflareApi` satisfies: the adapter depends on the calls it makes, not on one client.
 */
import type { Effect } from "effect";

/** A Cloudflare API failure: which call, its HTTP status and the envelope's `errors`. */
export interface ApiFailure {
  readonly call: string;
  readonly status: number;
  readonly errors: ReadonlyArray<{ readonly code: number; readonly message: string }>;
}

/** One module of a Worker upload. */
export interface ScriptModule {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly type: "esm" | "text" | "data" | "wasm" | "json";
}

/** Upload metadata (`bindings` in the API's JSON shape). */
export interface ScriptMetadata {
  readonly main_module?: string;
  readonly compatibility_date: string;
  readonly compatibility_flags?: ReadonlyArray<string>;
  readonly bindings: ReadonlyArray<
    Record<string, unknown> & { readonly type: string; readonly name: string }
  >;
  readonly migrations?: Record<string, unknown>;
  readonly tags?: ReadonlyArray<string>;
}

export interface DispatchApi {
  uploadScript(
    namespace: string,
    scriptName: string,
    upload: {
      readonly mainModule: string;
      readonly modules: ReadonlyArray<ScriptModule>;
      readonly metadata: ScriptMetadata;
    },
  ): Effect.Effect<unknown, ApiFailure>;
  deleteScript(namespace: string, scriptName: string): Effect.Effect<unknown, ApiFailure>;
}

export interface ResourceApi {
  readonly kv: { ensureNamespace(title: string): Effect.Effect<{ readonly id: string }, ApiFailure> };
  readonly r2: { ensureBucket(name: string): Effect.Effect<{ readonly name: string }, ApiFailure> };
  readonly d1: {
    ensureDatabase(name: string): Effect.Effect<{ readonly uuid: string }, ApiFailure>;
    query(
      databaseId: string,
      sql: string,
      params?: ReadonlyArray<string | number | boolean | null>,
    ): Effect.Effect<ReadonlyArray<{ readonly results?: ReadonlyArray<unknown> | undefined }>, ApiFailure>;
  };
}

/** What the adapter needs of the REST client. */
export interface CloudflareApi extends ResourceApi {
  readonly dispatch: DispatchApi;
}

/** A readable line for logs and error descriptions. */
export const describeApiFailure = (failure: ApiFailure): string =>
  `${failure.call} answered ${failure.status}${failure.errors.length === 0 ? "" : `: ${failure.errors.map((error) => `${error.code} ${error.message}`).join("; ")}`}`;
