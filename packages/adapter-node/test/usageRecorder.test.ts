/** The buffered usage recorder over a real (SQLite) UsageStore: exact totals, retries, no waiting. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreError, type UsageRollupKey, UsageStore } from "@w7s/core";
import { Context, Deferred, Effect, Fiber, Layer, Option, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import { makeUsageRecorder, usageStoreLayer } from "../src/usage/index.js";
import { DAY, eventOf, NOON } from "./support/usage.js";

type Store = UsageStore["Service"];

const openStore = (): Effect.Effect<Store, StoreError, Scope.Scope> =>
  Layer.build(usageStoreLayer({ dataDir: mkdtempSync(join(tmpdir(), "w7s-recorder-")) })).pipe(
    Effect.map((context) => Context.get(context, UsageStore)),
  );

const run = <A>(body: Effect.Effect<A, StoreError, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(body));

const repo: UsageRollupKey = {
  scope: "repo",
  date: DAY,
  environment: "production",
  orgSlug: "acme",
  repoSlug: "web",
};
const owner: UsageRollupKey = { scope: "owner", date: DAY, environment: "production", orgSlug: "acme" };
const global: UsageRollupKey = { scope: "global", date: DAY, environment: "production" };

const totalsOf = (store: Store, key: UsageRollupKey, metric: string) =>
  store.rollup(key).pipe(Effect.map((rollup) => Option.getOrNull(rollup)?.metrics[metric] ?? null));

/** `store`, except that increments for which `fails(call number)` holds fail before reaching it. */
const failingSometimes = (store: Store, fails: (call: number) => boolean) => {
  let calls = 0;
  const wrapped: Store = {
    ...store,
    increment: (event) =>
      Effect.suspend(() =>
        fails(++calls)
          ? Effect.fail(
              new StoreError({
                reason: "Unavailable",
                operation: "UsageStore.increment",
                description: "down",
              }),
            )
          : store.increment(event),
      ),
  };
  return { store: wrapped, calls: () => calls };
};

describe("usage recorder (DECISIONS 7 on the hot path)", () => {
  it("merges concurrent record calls and flushes exact totals to every scope", async () => {
    await run(
      Effect.gen(function* () {
        const store = yield* openStore();
        const counted = failingSometimes(store, () => false);
        const recorder = yield* makeUsageRecorder(counted.store, { flushIntervalMs: 5 });
        // 50 request fibers of 40 events each, interleaved with the background flushes.
        yield* Effect.all(
          Array.from({ length: 50 }, (_, fiber) =>
            Effect.forEach(
              Array.from({ length: 40 }, (_, index) => index),
              (index) =>
                recorder
                  .record(
                    eventOf(index % 2 === 0 ? "runtime.request" : "static.r2_class_b", {
                      count: 1,
                      units: 3,
                      outcome: (fiber + index) % 5 === 0 ? "error" : "success",
                      at: `2026-05-26T12:00:${String(index).padStart(2, "0")}.000Z`,
                    }),
                  )
                  .pipe(Effect.andThen(index % 7 === 0 ? Effect.sleep(1) : Effect.yieldNow)),
              { discard: true },
            ),
          ),
          { concurrency: "unbounded", discard: true },
        );
        yield* recorder.flush;
        expect(recorder.pending()).toBe(0);
        for (const key of [repo, owner, global]) {
          expect(yield* totalsOf(store, key, "runtime.request")).toEqual({
            count: 1000,
            units: 3000,
            success: 800,
            error: 200,
            lastAt: "2026-05-26T12:00:38.000Z",
          });
          expect(yield* totalsOf(store, key, "static.r2_class_b")).toEqual({
            count: 1000,
            units: 3000,
            success: 800,
            error: 200,
            lastAt: "2026-05-26T12:00:39.000Z",
          });
        }
        // Merging is the point: far fewer writes than events.
        expect(counted.calls()).toBeLessThan(2000);
      }),
    );
  });

  it("keeps a batch whose increments failed and writes it exactly once when the store is back", async () => {
    await run(
      Effect.gen(function* () {
        const store = yield* openStore();
        let down = true;
        // While down every increment fails; after that every third call does.
        const flaky = failingSometimes(store, (call) => down || call % 3 === 0);
        const recorder = yield* makeUsageRecorder(flaky.store, { flushIntervalMs: 60_000 });
        const metrics = ["deploy", "rpc.dispatch", "queue.send", "ai.run", "log.write"];
        for (const metric of metrics) yield* recorder.record(eventOf(metric, { count: 2 }));
        const failed = yield* Effect.result(recorder.flush);
        expect(failed._tag === "Failure" && failed.failure).toBeInstanceOf(StoreError);
        expect(failed._tag === "Failure" && failed.failure.reason).toBe("Unavailable");
        expect(recorder.pending()).toBe(metrics.length);
        expect(Option.isNone(yield* store.rollup(repo))).toBe(true);

        down = false;
        for (const metric of metrics) yield* recorder.record(eventOf(metric, { count: 1, outcome: "error" }));
        // Some increments of this flush fail again; those that went through must not be written twice.
        const partly = yield* Effect.result(recorder.flush);
        expect(partly._tag).toBe("Failure");
        expect(recorder.pending()).toBeGreaterThan(0);
        expect(recorder.pending()).toBeLessThan(2 * metrics.length);
        while (recorder.pending() > 0) yield* Effect.ignore(recorder.flush);

        for (const metric of metrics) {
          for (const key of [repo, owner, global]) {
            expect(yield* totalsOf(store, key, metric)).toEqual({
              count: 3,
              units: 3,
              success: 2,
              error: 1,
              lastAt: NOON,
            });
          }
        }
      }),
    );
  });

  it("records without waiting while a flush is stuck on the database", async () => {
    await run(
      Effect.gen(function* () {
        const store = yield* openStore();
        const reached = yield* Deferred.make<void>();
        const release = yield* Deferred.make<void>();
        const stuck: Store = {
          ...store,
          increment: (event) =>
            Deferred.succeed(reached, undefined).pipe(
              Effect.andThen(Deferred.await(release)),
              Effect.andThen(store.increment(event)),
            ),
        };
        const recorder = yield* makeUsageRecorder(stuck, { flushIntervalMs: 60_000 });
        yield* recorder.record(eventOf("runtime.request"));
        const flushing = yield* Effect.forkChild(recorder.flush);
        yield* Deferred.await(reached);
        // The request path goes on recording while the first flush waits.
        for (let index = 0; index < 99; index += 1) yield* recorder.record(eventOf("runtime.request"));
        expect(recorder.pending()).toBe(1);
        yield* Deferred.succeed(release, undefined);
        yield* Fiber.join(flushing);
        yield* recorder.flush;
        expect((yield* totalsOf(store, global, "runtime.request"))?.count).toBe(100);
      }),
    );
  });

  it("flushes in the background, and once more when its scope closes", async () => {
    await run(
      Effect.gen(function* () {
        const store = yield* openStore();
        yield* Effect.scoped(
          Effect.gen(function* () {
            const recorder = yield* makeUsageRecorder(store, { flushIntervalMs: 20 });
            yield* recorder.record(eventOf("queue.delivery", { count: 3 }));
            yield* Effect.sleep(200);
            expect((yield* totalsOf(store, repo, "queue.delivery"))?.count).toBe(3);
            yield* recorder.record(eventOf("queue.delivery", { count: 4 }));
          }),
        );
        expect((yield* totalsOf(store, repo, "queue.delivery"))?.count).toBe(7);

        let late: ((count: number) => Effect.Effect<void>) | undefined;
        yield* Effect.scoped(
          Effect.gen(function* () {
            const recorder = yield* makeUsageRecorder(store, { flushIntervalMs: 60_000 });
            yield* recorder.record(eventOf("queue.delivery", { count: 5 }));
            late = (count) => recorder.record(eventOf("queue.delivery", { count }));
          }),
        );
        expect((yield* totalsOf(store, repo, "queue.delivery"))?.count).toBe(12);
        // A record after the scope closed is written through rather than lost.
        yield* late!(1);
        expect((yield* totalsOf(store, repo, "queue.delivery"))?.count).toBe(13);
      }),
    );
  });
});
