/** The suite's pure helpers: the zips it sends must be what the action and the attacks claim to be. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { zipBomb, zipEntries, zipFiles, zipOfZeros, zipWithSymlink } from "../src/suite/index.js";

interface CentralEntry {
  readonly name: string;
  readonly os: number;
  readonly unixMode: number;
}

/** The central directory records of a zip: entry names, origin OS and Unix mode bits. */
const centralEntries = (zip: Uint8Array): CentralEntry[] => {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const entries: CentralEntry[] = [];
  for (let offset = 0; offset + 46 <= zip.length; offset++) {
    if (view.getUint32(offset, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(offset + 28, true);
    entries.push({
      name: strFromU8(zip.subarray(offset + 46, offset + 46 + nameLength)),
      os: view.getUint8(offset + 5),
      unixMode: view.getUint32(offset + 38, true) >>> 16,
    });
    offset += 45 + nameLength;
  }
  return entries;
};

const hasInfoZip = (() => {
  try {
    execFileSync("zip", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const appTree = {
  "dist/index.html": "<h1>hi</h1>",
  "dist/assets/app.js": "console.log(1);",
  "dist/.vite/manifest.json": "{}",
  "backend/index.ts": "export default {};",
  "node_modules/hono/index.js": "x",
  "packages/web/node_modules/react/index.js": "x",
  "a/b/c/node_modules/deep/index.js": "x",
  ".git/HEAD": "ref: refs/heads/main",
  ".wrangler/state.json": "{}",
  "w7s.json": "{}",
};

describe("zipFiles", () => {
  it("round-trips every file's bytes", () => {
    const files = { "dist/index.html": "<h1>héllo</h1>", "backend/lib/x.bin": new Uint8Array([0, 1, 255]) };
    const unzipped = unzipSync(zipFiles(files));
    expect(strFromU8(unzipped["dist/index.html"]!)).toBe("<h1>héllo</h1>");
    expect([...unzipped["backend/lib/x.bin"]!]).toEqual([0, 1, 255]);
  });

  it("adds folder entries with Unix modes, like zip -r", () => {
    const entries = centralEntries(zipFiles({ "dist/assets/app.js": "x" }));
    expect(entries).toEqual([
      { name: "dist/", os: 3, unixMode: 0o040755 },
      { name: "dist/assets/", os: 3, unixMode: 0o040755 },
      { name: "dist/assets/app.js", os: 3, unixMode: 0o100644 },
    ]);
    const bare = centralEntries(zipFiles({ "dist/assets/app.js": "x" }, { directories: false }));
    expect(bare.map((entry) => entry.name)).toEqual(["dist/assets/app.js"]);
  });

  it("leaves out what the action's zip -x patterns leave out", () => {
    const names = Object.keys(unzipSync(zipFiles(appTree, { directories: false }))).sort();
    expect(names).toEqual(["backend/index.ts", "dist/assets/app.js", "dist/index.html", "w7s.json"]);
  });

  it.skipIf(!hasInfoZip)("lists the same entries as the action's zip command (J.3)", () => {
    const root = mkdtempSync(join(tmpdir(), "w7s-zip-"));
    try {
      for (const [path, content] of Object.entries(appTree)) {
        mkdirSync(dirname(join(root, "app", path)), { recursive: true });
        writeFileSync(join(root, "app", path), content);
      }
      const excludes = [".git/*", "node_modules/*", "*/node_modules/*", "*/*/node_modules/*", ".wrangler/*"];
      execFileSync(
        "zip",
        [
          "-qr",
          join(root, "action.zip"),
          ".",
          "-x",
          ...excludes,
          "*/.wrangler/*",
          "*/*/.wrangler/*",
          "dist/.vite/*",
        ],
        {
          cwd: join(root, "app"),
        },
      );
      const action = centralEntries(new Uint8Array(readFileSync(join(root, "action.zip"))));
      const ours = centralEntries(zipFiles(appTree));
      const describe = (entries: CentralEntry[]) =>
        entries.map(({ name, os, unixMode }) => `${name} ${os} ${unixMode.toString(8)}`).sort();
      expect(describe(ours)).toEqual(describe(action));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("hostile zips", () => {
  it("zipEntries keeps names untouched and duplicates in order", async () => {
    const zip = await zipEntries([
      ["../x", "a"],
      ["dist/index.html", "1"],
      ["dist/index.html", "2"],
    ]);
    expect(centralEntries(zip).map((entry) => entry.name)).toEqual([
      "../x",
      "dist/index.html",
      "dist/index.html",
    ]);
  });

  it("zipWithSymlink marks the link with the Unix symlink mode", () => {
    const link = centralEntries(
      zipWithSymlink({ "dist/index.html": "x" }, "dist/passwd", "/etc/passwd"),
    ).find((entry) => entry.name === "dist/passwd");
    expect(link).toEqual({ name: "dist/passwd", os: 3, unixMode: 0o120777 });
    expect(strFromU8(unzipSync(zipWithSymlink({}, "l", "/etc/passwd"))["l"]!)).toBe("/etc/passwd");
  });

  it("zipOfZeros and zipBomb expand to the asked sizes from about 1 KB per MB", async () => {
    const zip = await zipOfZeros({ "a.bin": 3 * 1024 * 1024 + 5, "b.bin": 0 });
    const unzipped = unzipSync(zip);
    expect(unzipped["a.bin"]!.length).toBe(3 * 1024 * 1024 + 5);
    expect(unzipped["a.bin"]!.every((byte) => byte === 0)).toBe(true);
    expect(unzipped["b.bin"]!.length).toBe(0);
    expect(zip.length).toBeLessThan(8 * 1024);
    const bomb = await zipBomb(2 * 1024 * 1024);
    expect(Object.keys(unzipSync(bomb))).toEqual(["dist/index.html"]);
  });
});
