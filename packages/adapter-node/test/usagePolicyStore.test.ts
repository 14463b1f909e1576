/** The operator's usage-limit records on both databases: stored as written, listed by prefix, replaced, removed. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import { UsagePolicyStore } from "@w7s/core";
import { Effect, Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usagePolicyStoreLayer } from "../src/usage/index.js";

beforeAll(requirePostgres);
afterAll(dropTestSchemas);

const databases = [
  { name: "SQLite", options: () => ({ dataDir: mkdtempSync(join(tmpdir(), "w7s-policy-")) }) },
  {
    name: "Postgres",
    options: () => ({
      dataDir: mkdtempSync(join(tmpdir(), "w7s-policy-")),
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: freshSchemaName(),
    }),
  },
];

describe.each(databases)("UsagePolicyStore on $name", ({ options }) => {
  it("keeps records as written, lists them by prefix in key order, replaces and deletes them", async () => {
    const program = Effect.gen(function* () {
      const store = yield* UsagePolicyStore;
      const repoKey = "usage_limit_policy:v1:repo:acme:site";
      yield* store.put(repoKey, { version: 1, metrics: { "runtime.request": 5 } });
      yield* store.put("usage_limit_policy:v1:owner:acme", {
        version: 1,
        metrics: { deploy: { dailyUnits: 3 } },
      });
      yield* store.put("usage_limit_policy:v1:repo:acme_x:site", { version: 1, metrics: {} });
      const first = yield* store.get(repoKey);
      yield* store.put(repoKey, { version: 1, metrics: { "runtime.request": 6 } });
      return {
        first,
        second: yield* store.get(repoKey),
        listed: (yield* store.list("usage_limit_policy:v1:repo:acme:")).map((entry) => entry.key),
        all: (yield* store.list("usage_limit_policy:v1:")).length,
        deleted: yield* store.delete(repoKey),
        deletedAgain: yield* store.delete(repoKey),
        missing: yield* store.get(repoKey),
      };
    });
    const outcome = await Effect.runPromise(
      Effect.scoped(program.pipe(Effect.provide(usagePolicyStoreLayer(options())))),
    );
    expect(outcome).toEqual({
      first: Option.some({ version: 1, metrics: { "runtime.request": 5 } }),
      second: Option.some({ version: 1, metrics: { "runtime.request": 6 } }),
      listed: ["usage_limit_policy:v1:repo:acme:site"],
      all: 3,
      deleted: true,
      deletedAgain: false,
      missing: Option.none(),
    });
  });
});
