/** The backends' request time limit: one timer for every request in flight, each aborted when its own time is up. */
import { describe, expect, it } from "vitest";
import { makeRequestDeadlines } from "../src/runtime/requestDeadlines.js";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("request deadlines", () => {
  it("aborts each request still waiting when its own limit passes, in the order they started", async () => {
    const deadlines = makeRequestDeadlines(60, () => new Error("too slow"));
    const aborted: string[] = [];
    const first = deadlines.start();
    first.addEventListener("abort", () => aborted.push("first"));
    await sleep(30);
    const second = deadlines.start();
    second.addEventListener("abort", () => aborted.push("second"));
    await sleep(45);
    expect(aborted).toEqual(["first"]);
    expect(first.aborted).toBe(true);
    expect((first.reason as Error).message).toBe("too slow");
    expect(second.aborted).toBe(false);
    await sleep(40);
    expect(aborted).toEqual(["first", "second"]);
  });

  it("never aborts a request that ended in time, and keeps timing the ones after it", async () => {
    const deadlines = makeRequestDeadlines(40, () => new Error("too slow"));
    const answered = deadlines.start();
    await sleep(10);
    const waiting = deadlines.start();
    deadlines.end(answered);
    await sleep(70);
    expect(answered.aborted).toBe(false);
    expect(waiting.aborted).toBe(true);
    // A request started after the timer went quiet is timed too.
    const later = deadlines.start();
    await sleep(70);
    expect(later.aborted).toBe(true);
  });

  it("passes its abort on to an AbortSignal for clients that take only those", async () => {
    const deadlines = makeRequestDeadlines(20, () => new Error("too slow"));
    const signal = deadlines.start().toAbortSignal();
    await sleep(50);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("too slow");
  });
});
