import { Effect, Result } from "effect";
import { strToU8, Zip, ZipDeflate, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { makeArchiveBudget } from "./archiveBudget.js";
import { readBodyWithinBudget, readDeployArchive, readDeployArchiveInTurns } from "./archiveReader.js";

const read = (files: Record<string, string | [string, { level?: 0; os?: number; attrs?: number }]>) =>
  readDeployArchive(
    zipSync(
      Object.fromEntries(
        Object.entries(files).map(([path, value]) =>
          typeof value === "string" ? [path, strToU8(value)] : [path, [strToU8(value[0]), value[1]]],
        ),
      ) as never,
    ),
  );
const failure = <A>(result: Result.Result<A, { message: string }>) =>
  Result.isFailure(result) ? result.failure.message : "succeeded";

const zeros = (bytes: number): Promise<Uint8Array> =>
  new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    const zip = new Zip((_, chunk, final) => {
      parts.push(chunk);
      if (final) resolve(new Uint8Array(Buffer.concat(parts)));
    });
    const entry = new ZipDeflate("dist/big.bin", { level: 9 });
    zip.add(entry);
    const step = new Uint8Array(1 << 20);
    for (let written = 0; written < bytes; written += step.length)
      entry.push(step, written + step.length >= bytes);
    zip.end();
  });

describe("B.4 reading a deploy archive", () => {
  it("returns files by normalized path, strips one common root, drops directories", () => {
    const result = read({
      "repo-main/dist/index.html": "<h1>x</h1>",
      "repo-main/dist/": "",
      "repo-main/w7s.json": "{}",
    });
    const archive = Result.getOrThrow(result);
    expect([...archive.files.keys()]).toEqual(["dist/index.html", "w7s.json"]);
    expect(archive.strippedRoot).toBe("repo-main");
    expect(new TextDecoder().decode(archive.files.get("dist/index.html"))).toBe("<h1>x</h1>");
  });

  it("reads stored (uncompressed) entries", () => {
    expect(
      Result.getOrThrow(read({ "dist/a.txt": ["plain", { level: 0 }] })).files.get("dist/a.txt"),
    ).toEqual(strToU8("plain"));
  });

  it.each([
    [{}, "Deploy archive is empty."],
    [{ "../x": "x", "dist/index.html": "x" }, 'Deploy archive entry "../x" escapes the archive root.'],
    [{ "/abs": "x" }, 'Deploy archive entry "/abs" has an absolute path.'],
    [{ "a\\b.txt": "x", "a/b.txt": "y" }, 'Deploy archive contains "a/b.txt" more than once.'],
    [
      { "dist/link": ["/etc/passwd", { os: 3, attrs: (0o120777 << 16) >>> 0 }] },
      'Deploy archive entry "dist/link" is a symbolic link.',
    ],
  ] as const)("refuses %j", (files, message) => {
    const result =
      Object.keys(files).length === 0 ? readDeployArchive(new Uint8Array(0)) : read(files as never);
    expect(failure(result)).toBe(message);
  });

  it("refuses bytes that are not a zip", () => {
    expect(failure(readDeployArchive(strToU8("hello")))).toBe("Unable to read deploy archive: invalid zip");
  });

  it("stops inflating a bomb at the cap, without allocating what it declares", async () => {
    const bomb = await zeros(101 * 1024 * 1024);
    expect(bomb.byteLength).toBeLessThan(256 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const result = readDeployArchive(bomb);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(failure(result)).toBe("Deploy archive expands past 100 MB.");
    if (Result.isFailure(result))
      expect(result.failure.details).toEqual({ limits: ["Deploy archive expands past 100 MB."] });
    // What was inflated is kept until the cap is hit (100 MiB), plus at most one 16 KiB slice's output
    // (about 16 MiB) and collector slack; never the declared size, never the whole bomb.
    expect(grown).toBeLessThan(200 * 1024 * 1024);
  }, 30_000);

  it("refuses a body past 25 MB while it arrives", async () => {
    const chunk = new Uint8Array(1 << 20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        controller.enqueue(chunk);
        if (sent > 40) controller.close();
      },
    });
    const result = await readBodyWithinBudget(body, makeArchiveBudget());
    expect(failure(result)).toBe("Deploy archive exceeds 25 MB.");
    expect(sent).toBeLessThanOrEqual(27);
  });

  const streamOf = (chunks: Uint8Array[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });

  it("reads a body the same whatever its declared length says", async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, index) => index % 251);
    const chunks = [bytes.subarray(0, 100_000), bytes.subarray(100_000, 250_000), bytes.subarray(250_000)];
    for (const declared of [undefined, 300_000, 200_000, 400_000, -1, Number.NaN, 26 * 1024 * 1024]) {
      const result = await readBodyWithinBudget(streamOf(chunks), makeArchiveBudget(), declared);
      expect(Result.isSuccess(result) && Buffer.from(result.success).equals(bytes)).toBe(true);
    }
  });

  it("still refuses a body past 25 MB when its declared length is within the cap", async () => {
    const chunk = new Uint8Array(1 << 20);
    const result = await readBodyWithinBudget(
      streamOf(Array.from({ length: 30 }, () => chunk)),
      makeArchiveBudget(),
      1 << 20,
    );
    expect(failure(result)).toBe("Deploy archive exceeds 25 MB.");
  });
});

describe("reading an archive in turns", () => {
  it("lets other work run while it inflates, and reads what the one-go reader reads", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let index = 0; index < 40; index += 1) {
      files[`dist/file-${index}.txt`] = strToU8(`file ${index} `.repeat(20_000));
    }
    const zip = zipSync(files);
    let otherTurns = 0;
    let reading = true;
    const other = () => {
      otherTurns += 1;
      if (reading) setImmediate(other);
    };
    setImmediate(other);
    const inTurns = await Effect.runPromise(readDeployArchiveInTurns(zip));
    reading = false;
    expect(otherTurns).toBeGreaterThanOrEqual(5);
    const inOneGo = readDeployArchive(zip);
    expect(Result.isSuccess(inOneGo) && [...inOneGo.success.files.keys()]).toEqual([...inTurns.files.keys()]);
    expect(inTurns.files.get("dist/file-7.txt")).toEqual(files["dist/file-7.txt"]);
  });

  it("fails with the one-go reader's error", async () => {
    const bomb = await zeros(120 * 1024 * 1024);
    const result = await Effect.runPromise(Effect.result(readDeployArchiveInTurns(bomb)));
    expect(result._tag === "Failure" && result.failure.message).toBe("Deploy archive expands past 100 MB.");
  }, 30_000);
});
