/** Port: the operator's usage-limit override records (F.3), which apps can neither read nor change. */
import { Context, type Effect, type Option } from "effect";
import type { StoreError } from "./PortErrors.js";

/** One stored override record under its F.3 key (`usage_limit_policy:v1:<scope>:...`). */
export interface StoredPolicyRecord {
  readonly key: string;
  readonly record: unknown;
}

/** Override records by key; the record is kept exactly as the operator wrote it and judged on read. */
export class UsagePolicyStore extends Context.Service<
  UsagePolicyStore,
  {
    readonly get: (key: string) => Effect.Effect<Option.Option<unknown>, StoreError>;
    readonly put: (key: string, record: unknown) => Effect.Effect<void, StoreError>;
    /** True when a record was there. */
    readonly delete: (key: string) => Effect.Effect<boolean, StoreError>;
    /** Every record whose key starts with `prefix`, in key order. */
    readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<StoredPolicyRecord>, StoreError>;
  }
>()("@w7s/core/UsagePolicyStore") {}
