import { describe, expect, it } from "vitest";
import { d1MigrationFiles, normalizeArchivePath, normalizePathPrefix } from "./paths.js";

describe("B.4 archive path normalization (used for the D1 migrations folder)", () => {
  it.each([
    ["migrations", "migrations"],
    ["migrations/", "migrations"],
    ["./db//migrations/", "db/migrations"],
    ["/db/migrations", "db/migrations"],
    ["db\\migrations", "db/migrations"],
    ["db/../sql/./v1", "sql/v1"],
    ["../x", "x"],
    ["/", ""],
    ["./..", ""],
  ])("%j -> %j", (path, normalized) => {
    expect(normalizeArchivePath(path)).toBe(normalized);
  });
});

describe("C notes: D1 migration files", () => {
  it("takes .sql files (any case) under the folder, sorted by full path", () => {
    const archive = [
      "migrations/0002_users.sql",
      "migrations/0001_init.SQL",
      "migrations/README.md",
      "migrations-old/0001.sql",
      "migrations/nested/0003.sql",
      "other/0001.sql",
    ];
    expect(d1MigrationFiles("./migrations/", archive)).toStrictEqual([
      "migrations/0001_init.SQL",
      "migrations/0002_users.sql",
      "migrations/nested/0003.sql",
    ]);
  });
});

describe("H.1 custom-domain path prefixes", () => {
  it.each([
    ["", "/"],
    ["/", "/"],
    ["  ", "/"],
    ["api", "/api"],
    ["/api/", "/api"],
    ["/docs/v2", "/docs/v2"],
    ["/a b", "/a%20b"],
    ["/ä", "/%C3%A4"],
  ])("%j -> %j", (prefix, normalized) => {
    expect(normalizePathPrefix(prefix)).toBe(normalized);
  });

  it.each(["a//b", "//evil.example", "/a/../b", "/./a", "/a/%2e%2e/b", ".."])("%j is refused", (prefix) => {
    expect(normalizePathPrefix(prefix)).toBeUndefined();
  });
});
