import { describe, expect, it } from "vitest";
import { nextUtcMidnight, secondsUntilNextUtcMidnight, usageDate } from "./index.js";

describe("UTC day arithmetic", () => {
  it.each([
    ["2026-05-26T00:00:00.000Z", "2026-05-26", "2026-05-27T00:00:00.000Z", 86400],
    ["2026-05-26T12:04:59.000Z", "2026-05-26", "2026-05-27T00:00:00.000Z", 42901],
    ["2026-05-26T23:59:59.999Z", "2026-05-26", "2026-05-27T00:00:00.000Z", 1],
    ["2026-12-31T18:00:00.000Z", "2026-12-31", "2027-01-01T00:00:00.000Z", 21600],
    ["2028-02-28T23:00:00.000Z", "2028-02-28", "2028-02-29T00:00:00.000Z", 3600],
  ])("%s is on %s; the next UTC midnight is %s, %i s away", (now, date, midnight, seconds) => {
    expect(usageDate(new Date(now))).toBe(date);
    expect(usageDate(Date.parse(now))).toBe(date);
    expect(nextUtcMidnight(new Date(now)).toISOString()).toBe(midnight);
    expect(secondsUntilNextUtcMidnight(new Date(now))).toBe(seconds);
  });
});
