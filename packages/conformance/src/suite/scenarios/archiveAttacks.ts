/** DECISIONS 5 and B.4: hostile archives are refused with a 400 naming the entry, caps hold while reading. */
import { describe, expect, it } from "vitest";
import { zipBomb, zipEntries, zipFiles, zipOfZeros, zipWithSymlink } from "../archives.js";
import type { SuiteContext } from "../context.js";

const MiB = 1024 * 1024;

export const archiveAttackScenarios = (context: SuiteContext): void => {
  describe("archive attacks (DECISIONS 5)", () => {
    const expectRefused = async (zip: Uint8Array | Promise<Uint8Array>, error: string) => {
      const answer = await context.deployAs("attacks", "app", {}, { zipBytes: await zip });
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error });
    };
    const index = ["dist/index.html", "<h1>x</h1>"] as const;

    it("refuses paths that climb out of the archive", async () => {
      await expectRefused(
        zipEntries([index, ["../x", "x"]]),
        'Deploy archive entry "../x" escapes the archive root.',
      );
      await expectRefused(
        zipEntries([index, ["dist/../../evil.txt", "x"]]),
        'Deploy archive entry "dist/../../evil.txt" escapes the archive root.',
      );
      await expectRefused(
        zipEntries([index, ["..\\evil.txt", "x"]]),
        'Deploy archive entry "..\\evil.txt" escapes the archive root.',
      );
    });
    it("refuses absolute paths, Unix and Windows", async () => {
      await expectRefused(
        zipEntries([index, ["/etc/x", "x"]]),
        'Deploy archive entry "/etc/x" has an absolute path.',
      );
      await expectRefused(
        zipEntries([index, ["C:/x", "x"]]),
        'Deploy archive entry "C:/x" has an absolute path.',
      );
    });
    it("refuses symbolic links", () =>
      expectRefused(
        zipWithSymlink({ "dist/index.html": "x" }, "dist/passwd", "/etc/passwd"),
        'Deploy archive entry "dist/passwd" is a symbolic link.',
      ));
    it("refuses two entries with the same path, spelled alike or not", async () => {
      await expectRefused(
        zipEntries([index, index]),
        'Deploy archive contains "dist/index.html" more than once.',
      );
      await expectRefused(
        zipEntries([index, ["dist/./index.html", "b"]]),
        'Deploy archive contains "dist/index.html" more than once.',
      );
    });
    it("refuses a small zip that expands past 100 MB, in one entry or spread over several", async () => {
      const bomb = await zipBomb(101 * MiB);
      expect(bomb.length).toBeLessThan(200 * 1024);
      await expectRefused(bomb, "Deploy archive expands past 100 MB.");
      await expectRefused(
        zipOfZeros({ "dist/index.html": 0, "dist/a.bin": 51 * MiB, "dist/b.bin": 51 * MiB }),
        "Deploy archive expands past 100 MB.",
      );
    }, 60_000);
    it("a refused deploy changes nothing", async () => {
      const answer = await context.get(context.host("attacks"), "/app/");
      expect(answer.status).toBe(404);
    });
    it("accepts the action's layout, folder entries included", async () => {
      const zip = zipFiles({ "dist/index.html": "<h1>layout</h1>", "dist/deep/er/a.txt": "a" });
      const answer = await context.deployAs("attacks", "layout", {}, { zipBytes: zip });
      expect(answer.status).toBe(200);
      expect(await (await context.get(context.host("attacks"), "/layout/deep/er/a.txt")).text()).toBe("a");
    });
    it("strips a single wrapper folder, as in a GitHub zipball (B.4)", async () => {
      const zip = zipFiles({ "attacks-zipball-0a1b2c/dist/index.html": "<h1>zipball</h1>" });
      const answer = await context.deployAs("attacks", "zipball", {}, { zipBytes: zip });
      expect(answer.status).toBe(200);
      expect(await (await context.get(context.host("attacks"), "/zipball/")).text()).toBe("<h1>zipball</h1>");
    });
  });
};
