/**
 * A second server process for the UsageStore race tests. Opens the store named by its JSON argument,
 * prints `ready`, waits for a line on stdin, then runs its increments and burst reservations all at
 * once and prints `{"applied": <reservations that were applied>}`.
 */
import { createInterface } from "node:readline";
import { UsageStore } from "@w7s/core";
import { Context, Effect, Layer } from "effect";
import { usageStoreLayer } from "../../src/usage/index.js";
import { burstCountersOf, eventOf } from "./usage.js";

interface RaceOrder {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  readonly increments: number;
  readonly reservations: number;
  readonly burstLimit: number;
}

const order = JSON.parse(process.argv[2] ?? "{}") as RaceOrder;
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.once("line", () => resolve()));

const race = Effect.gen(function* () {
  const context = yield* Layer.build(usageStoreLayer(order));
  const store = Context.get(context, UsageStore);
  process.stdout.write("ready\n");
  yield* Effect.promise(() => go);
  const [, reservations] = yield* Effect.all(
    [
      Effect.all(
        Array.from({ length: order.increments }, (_, index) =>
          store.increment(eventOf("runtime.request", { outcome: index % 4 === 0 ? "error" : "success" })),
        ),
        { concurrency: "unbounded" },
      ),
      Effect.all(
        Array.from({ length: order.reservations }, () =>
          store.reserveBurst(
            burstCountersOf({ repo: order.burstLimit, owner: 1_000_000, global: 1_000_000 }),
            1,
          ),
        ),
        { concurrency: "unbounded" },
      ),
    ],
    { concurrency: "unbounded" },
  );
  process.stdout.write(`${JSON.stringify({ applied: reservations.filter((r) => r.applied).length })}\n`);
});

await Effect.runPromise(Effect.scoped(race));
lines.close();
