import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import {
  type ArchiveEntryKind,
  archiveEntryMessages,
  checkEntryPath,
  quoteEntryName,
  stripCommonRoot,
  UNSTRIPPED_ROOTS,
} from "./archivePath.js";

const accepted = (name: string, kind: ArchiveEntryKind = "file") =>
  Result.getOrThrow(checkEntryPath(name, kind));

const rejection = (name: string, kind: ArchiveEntryKind = "file") => {
  const checked = checkEntryPath(name, kind);
  if (Result.isSuccess(checked)) throw new Error(`expected ${JSON.stringify(name)} to be rejected`);
  return { status: httpStatusOf(checked.failure), message: checked.failure.message };
};

describe("B.4 entry path normalization", () => {
  it.each([
    ["w7s.json", "w7s.json"],
    ["frontend/dist/index.html", "frontend/dist/index.html"],
    ["a\\b\\c.txt", "a/b/c.txt"],
    ["a//b///c", "a/b/c"],
    ["./a/./b", "a/b"],
    ["a/./b", "a/b"],
    ["a/../b", "b"],
    ["a/b/../c", "a/c"],
    ["a\\.\\b", "a/b"],
    ["a/b/c/../../d", "a/d"],
    ["dir.v2/file", "dir.v2/file"],
    ["...", "..."],
    ["a/..b/c..", "a/..b/c.."],
    ["C/x", "C/x"],
    ["a/C:/b", "a/C:/b"],
  ])("file %j -> %j", (name, path) => {
    expect(accepted(name)).toBe(path);
  });

  it.each<[string, ArchiveEntryKind]>([
    ["frontend/", "directory"],
    ["frontend", "directory"],
    ["frontend/dist/", "file"],
    ["frontend\\dist\\", "file"],
    [".", "file"],
    ["./", "directory"],
    ["a/..", "file"],
    ["a/b/../..", "file"],
  ])("%j (%s) is not stored", (name, kind) => {
    expect(accepted(name, kind)).toBeNull();
  });
});

describe("DECISIONS 5 unsafe entries are rejected with a 400 naming the entry", () => {
  it.each<[string, ArchiveEntryKind, string]>([
    ["../x", "file", 'Deploy archive entry "../x" escapes the archive root.'],
    ["..", "file", 'Deploy archive entry ".." escapes the archive root.'],
    ["a/../../x", "file", 'Deploy archive entry "a/../../x" escapes the archive root.'],
    ["a\\..\\..\\x", "file", 'Deploy archive entry "a\\..\\..\\x" escapes the archive root.'],
    ["./../x", "file", 'Deploy archive entry "./../x" escapes the archive root.'],
    [
      "a/b/../../../etc/passwd",
      "file",
      'Deploy archive entry "a/b/../../../etc/passwd" escapes the archive root.',
    ],
    ["../evil/", "directory", 'Deploy archive entry "../evil/" escapes the archive root.'],
    ["/etc/passwd", "file", 'Deploy archive entry "/etc/passwd" has an absolute path.'],
    ["\\etc\\passwd", "file", 'Deploy archive entry "\\etc\\passwd" has an absolute path.'],
    ["\\\\server\\share\\x", "file", 'Deploy archive entry "\\\\server\\share\\x" has an absolute path.'],
    ["C:\\x", "file", 'Deploy archive entry "C:\\x" has an absolute path.'],
    ["c:/x", "file", 'Deploy archive entry "c:/x" has an absolute path.'],
    ["D:x", "file", 'Deploy archive entry "D:x" has an absolute path.'],
    ["/", "directory", 'Deploy archive entry "/" has an absolute path.'],
    ["./C:/x", "file", 'Deploy archive entry "./C:/x" has an absolute path.'],
    ["a/../c:x", "file", 'Deploy archive entry "a/../c:x" has an absolute path.'],
    ["link", "symlink", 'Deploy archive entry "link" is a symbolic link.'],
    [
      "frontend/dist/index.html",
      "symlink",
      'Deploy archive entry "frontend/dist/index.html" is a symbolic link.',
    ],
    ["a\u0000b", "file", 'Deploy archive entry "a\\u0000b" contains a NUL byte.'],
    ["x.js\u0000.png", "directory", 'Deploy archive entry "x.js\\u0000.png" contains a NUL byte.'],
  ])("%j (%s) -> %s", (name, kind, message) => {
    expect(rejection(name, kind)).toStrictEqual({ status: 400, message });
  });

  it("checks NUL before links, links before absolute paths, absolute paths before escapes", () => {
    expect(rejection("/../\u0000", "symlink").message).toContain("NUL byte");
    expect(rejection("/../x", "symlink").message).toContain("symbolic link");
    expect(rejection("/../x").message).toContain("absolute path");
  });

  it("builds each message from the entry name", () => {
    expect(archiveEntryMessages.escapesRoot("../x")).toBe(
      'Deploy archive entry "../x" escapes the archive root.',
    );
    expect(archiveEntryMessages.absolutePath("/x")).toBe('Deploy archive entry "/x" has an absolute path.');
    expect(archiveEntryMessages.link("l")).toBe('Deploy archive entry "l" is a symbolic link.');
    expect(archiveEntryMessages.nulByte("\u0000")).toBe(
      'Deploy archive entry "\\u0000" contains a NUL byte.',
    );
  });

  it("quotes names with control characters escaped and long names cut at 200 characters", () => {
    expect(quoteEntryName("a\nb\u007f")).toBe('"a\\u000ab\\u007f"');
    expect(quoteEntryName(`${"x".repeat(250)}`)).toBe(`"${"x".repeat(200)}…"`);
  });
});

const pathCharacters = fc.constantFrom("a", "b", ".", "/", "\\", ":", "C", " ", "\u0000", "é");

describe("DECISIONS 5 property: an accepted path is always safe", () => {
  it("has no `.`/`..`/empty segment, no leading `/` or drive, no backslash, no NUL, and is stable", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: pathCharacters, maxLength: 24 }), fc.string()),
        fc.constantFrom<ArchiveEntryKind>("file", "directory"),
        (name, kind) => {
          const checked = checkEntryPath(name, kind);
          if (Result.isFailure(checked) || checked.success === null) return;
          const path = checked.success;
          expect(path.startsWith("/")).toBe(false);
          expect(path).not.toContain("\\");
          expect(path).not.toContain("\u0000");
          expect(path).not.toMatch(/^[A-Za-z]:/);
          for (const segment of path.split("/")) {
            expect(["", ".", ".."]).not.toContain(segment);
          }
          expect(accepted(path)).toBe(path);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("B.4 common-root stripping (one level, layout roots kept)", () => {
  it.each<[string, string[], string | null, string[]]>([
    [
      "GitHub zipball",
      ["acme-demo-1a2b3c/w7s.json", "acme-demo-1a2b3c/dist/index.html"],
      "acme-demo-1a2b3c",
      ["w7s.json", "dist/index.html"],
    ],
    ["one level only", ["a/b/c", "a/b/d"], "a", ["b/c", "b/d"]],
    ["a single nested file", ["wrap/index.html"], "wrap", ["index.html"]],
    ["two top-level folders", ["a/x", "b/y"], null, ["a/x", "b/y"]],
    ["a file at the top level", ["wrap/x", "top.txt"], null, ["wrap/x", "top.txt"]],
    ["no entries", [], null, []],
    ["exclusions compare exactly", ["Worker/index.js"], "Worker", ["index.js"]],
  ])("%s", (_, paths, root, stripped) => {
    expect(stripCommonRoot(paths)).toStrictEqual({ root, paths: stripped });
  });

  it.each([...UNSTRIPPED_ROOTS])("never strips the layout root %j", (root) => {
    const paths = [`${root}/index.js`, `${root}/lib/util.js`];
    expect(stripCommonRoot(paths)).toStrictEqual({ root: null, paths });
  });

  it("keeps exactly the eight layout roots of B.4", () => {
    expect([...UNSTRIPPED_ROOTS]).toStrictEqual([
      "worker",
      "frontend",
      "backend",
      "dist",
      "build",
      "out",
      "db",
      ".github",
    ]);
  });
});
