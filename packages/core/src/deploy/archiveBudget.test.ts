import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import type { BadRequest } from "../errors/httpErrors.js";
import {
  archiveMessages,
  defaultArchiveLimits,
  emptyArchiveError,
  makeArchiveBudget,
  unreadableArchiveError,
} from "./archiveBudget.js";

const MIB = 1024 * 1024;

const failureOf = <A>(result: Result.Result<A, BadRequest>) => {
  if (Result.isSuccess(result)) throw new Error("expected a failure");
  return {
    status: httpStatusOf(result.failure),
    message: result.failure.message,
    details: result.failure.details,
  };
};

const limitFailure = (message: string) => ({ status: 400, message, details: { limits: [message] } });

describe("B.4 empty and unreadable archives", () => {
  it("answers an empty body with 400 `Deploy archive is empty.`", () => {
    const error = emptyArchiveError();
    expect([httpStatusOf(error), error.message]).toStrictEqual([400, "Deploy archive is empty."]);
  });

  it.each([
    [undefined, "Unable to read deploy archive: invalid zip"],
    [null, "Unable to read deploy archive: invalid zip"],
    ["", "Unable to read deploy archive: invalid zip"],
    ["   ", "Unable to read deploy archive: invalid zip"],
    [
      "end of central directory not found",
      "Unable to read deploy archive: end of central directory not found",
    ],
  ])("reason %j -> %s", (reason, message) => {
    const error = unreadableArchiveError(reason);
    expect([httpStatusOf(error), error.message]).toStrictEqual([400, message]);
  });
});

describe("B.5 / DECISIONS 5 size caps enforced while reading", () => {
  it("uses 25 MiB, 100 MiB and 20,000 entries by default", () => {
    expect(defaultArchiveLimits).toStrictEqual({
      maxCompressedBytes: 25 * MIB,
      maxExpandedBytes: 100 * MIB,
      maxEntries: 20_000,
    });
  });

  it("accepts exactly 25 MiB of body and stops at the first byte past it", () => {
    const budget = makeArchiveBudget();
    for (let chunk = 0; chunk < 25; chunk += 1)
      expect(Result.isSuccess(budget.addCompressed(MIB))).toBe(true);
    expect(budget.compressedBytes()).toBe(25 * MIB);
    expect(failureOf(budget.addCompressed(1))).toStrictEqual(limitFailure("Deploy archive exceeds 25 MB."));
  });

  it("accepts exactly 100 MiB inflated and stops at the first byte past it", () => {
    const budget = makeArchiveBudget();
    expect(Result.isSuccess(budget.addExpanded(100 * MIB))).toBe(true);
    expect(failureOf(budget.addExpanded(1))).toStrictEqual(
      limitFailure("Deploy archive expands past 100 MB."),
    );
  });

  it("keeps the first failure for every later call, so the adapter can stop at once", () => {
    const budget = makeArchiveBudget();
    const first = failureOf(budget.addExpanded(100 * MIB + 1));
    expect(failureOf(budget.addCompressed(0))).toStrictEqual(first);
    expect(failureOf(budget.addExpanded(0))).toStrictEqual(first);
    expect(failureOf(budget.addEntry("ok.txt", "file"))).toStrictEqual(first);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("treats a byte count of %s as over budget", (bytes) => {
    expect(failureOf(makeArchiveBudget().addCompressed(bytes)).message).toBe("Deploy archive exceeds 25 MB.");
    expect(failureOf(makeArchiveBudget().addExpanded(bytes)).message).toBe(
      "Deploy archive expands past 100 MB.",
    );
  });

  it("labels operator limits in whole MB rounded up", () => {
    const budget = makeArchiveBudget({ maxCompressedBytes: 1.5 * MIB, maxExpandedBytes: MIB, maxEntries: 1 });
    expect(failureOf(budget.addCompressed(2 * MIB)).message).toBe("Deploy archive exceeds 2 MB.");
    expect(archiveMessages.expandsTooFar(MIB + 1)).toBe("Deploy archive expands past 2 MB.");
  });
});

describe("DECISIONS 5 entry count, entry names and duplicates", () => {
  it("allows 20,000 entries (directories included) and rejects the 20,001st", () => {
    const budget = makeArchiveBudget();
    let accepted = 0;
    for (let index = 0; index < 20_000; index += 1) {
      const directory = index % 2 === 1;
      const added = budget.addEntry(
        directory ? `d${index}/` : `f/${index}.txt`,
        directory ? "directory" : "file",
      );
      if (Result.isSuccess(added)) accepted += 1;
    }
    expect(accepted).toBe(20_000);
    expect(failureOf(budget.addEntry("last.txt", "file"))).toStrictEqual(
      limitFailure("Deploy archive has more than 20000 entries."),
    );
    expect(budget.entryCount()).toBe(20_001);
  });

  it("returns the normalized path to store, or null for a directory", () => {
    const budget = makeArchiveBudget();
    expect(budget.addEntry("frontend\\dist\\index.html", "file")).toStrictEqual(
      Result.succeed("frontend/dist/index.html"),
    );
    expect(budget.addEntry("frontend/dist/", "directory")).toStrictEqual(Result.succeed(null));
    expect(budget.addEntry("frontend/dist/", "directory")).toStrictEqual(Result.succeed(null));
  });

  it.each([
    ["a/b.txt", "a\\b.txt", 'Deploy archive contains "a/b.txt" more than once.'],
    ["x", "./x", 'Deploy archive contains "x" more than once.'],
    ["dist/index.html", "dist//index.html", 'Deploy archive contains "dist/index.html" more than once.'],
    ["w7s.json", "tmp/../w7s.json", 'Deploy archive contains "w7s.json" more than once.'],
  ])("rejects %j followed by %j: %s", (first, second, message) => {
    const budget = makeArchiveBudget();
    expect(Result.isSuccess(budget.addEntry(first, "file"))).toBe(true);
    expect(failureOf(budget.addEntry(second, "file"))).toStrictEqual({
      status: 400,
      message,
      details: undefined,
    });
  });

  it("stops on an unsafe entry name with its exact message", () => {
    const budget = makeArchiveBudget();
    expect(failureOf(budget.addEntry("../x", "file")).message).toBe(
      'Deploy archive entry "../x" escapes the archive root.',
    );
    expect(failureOf(budget.addEntry("fine.txt", "file")).message).toBe(
      'Deploy archive entry "../x" escapes the archive root.',
    );
  });
});
