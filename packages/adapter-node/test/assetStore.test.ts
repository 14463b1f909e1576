import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetStore, NotCached, type StaticManifest, type StoreError } from "@w7s/core";
import { Context, Effect, Layer, Option, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import { assetStoreLayer, CachedAssets } from "../src/assets/index.js";

type Assets = AssetStore["Service"];

const open = (dataDir: string): Effect.Effect<Assets, StoreError, Scope.Scope> =>
  Layer.build(assetStoreLayer({ dataDir })).pipe(Effect.map((context) => Context.get(context, AssetStore)));

const run = <A>(body: Effect.Effect<A, StoreError, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(body));

const text = (value: string) => new TextEncoder().encode(value);
const metadataOf = (body: Uint8Array, contentType = "text/plain; charset=utf-8") => ({
  contentType,
  etag: createHash("sha256").update(body).digest("hex"),
});

/** Every file under `<dataDir>/blobs`, relative to it. */
const blobFiles = (dataDir: string) =>
  readdirSync(join(dataDir, "blobs"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(join(dataDir, "blobs").length + 1));

const manifest = (fileCount: number): StaticManifest => ({
  version: 1,
  orgSlug: "acme",
  repoSlug: "web",
  environment: "production",
  assetPrefix: "static/v1/x",
  deployedAt: "2026-11-22T00:00:00.000Z",
  hasIndex: false,
  files: Object.fromEntries(
    Array.from({ length: fileCount }, (_, index) => [
      `/file-${index}.txt`,
      {
        path: `file-${index}.txt`,
        r2Key: `static/v1/x/file-${index}.txt`,
        contentType: "text/plain",
        size: 1,
        etag: "e",
      },
    ]),
  ),
});

describe("content-addressed AssetStore", () => {
  it("stores identical files of different deployments once, named by their SHA-256", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const shared = text("<h1>same page</h1>");
    const hash = metadataOf(shared).etag;
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        yield* assets.putObject(
          "static/v1/production/acme/web/d1/index.html",
          shared,
          metadataOf(shared, "text/html"),
        );
        yield* assets.putObject(
          "static/v1/production/acme/web/d2/index.html",
          shared,
          metadataOf(shared, "text/html"),
        );
        yield* assets.putObject(
          "static/v1/production/acme/blog/d1/index.html",
          shared,
          metadataOf(shared, "text/html"),
        );
        yield* assets.putObject(
          "static/v1/production/acme/web/d2/app.js",
          text("run()"),
          metadataOf(text("run()")),
        );
      }),
    );
    expect(blobFiles(dataDir).sort()).toEqual(
      [
        join(hash.slice(0, 2), hash),
        join(metadataOf(text("run()")).etag.slice(0, 2), metadataOf(text("run()")).etag),
      ].sort(),
    );
    // Restart: the index survives and still points at the one blob.
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        const stored = Option.getOrThrow(
          yield* assets.getObject("static/v1/production/acme/blog/d1/index.html"),
        );
        expect(stored).toEqual({
          body: shared,
          size: shared.byteLength,
          contentType: "text/html",
          etag: hash,
        });
        expect(Option.isNone(yield* assets.getObject("static/v1/production/acme/blog/d9/index.html"))).toBe(
          true,
        );
      }),
    );
  });

  it("reads byte ranges of small and large objects, with the full size", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const large = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251);
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        yield* assets.putObject(
          "small.txt",
          text("hello, static world"),
          metadataOf(text("hello, static world")),
        );
        yield* assets.putObject("large.bin", large, metadataOf(large, "application/octet-stream"));

        const small = Option.getOrThrow(yield* assets.getObject("small.txt", { offset: 7, length: 6 }));
        expect({ text: new TextDecoder().decode(small.body), size: small.size }).toEqual({
          text: "static",
          size: 19,
        });

        const offset = 2 * 1024 * 1024 + 17;
        const slice = Option.getOrThrow(yield* assets.getObject("large.bin", { offset, length: 1000 }));
        expect(slice.size).toBe(large.byteLength);
        expect(slice.body).toEqual(large.subarray(offset, offset + 1000));

        const tail = Option.getOrThrow(
          yield* assets.getObject("large.bin", { offset: large.byteLength - 10, length: 100 }),
        );
        expect(tail.body).toEqual(large.subarray(large.byteLength - 10));

        const whole = Option.getOrThrow(yield* assets.getObject("large.bin"));
        expect(Buffer.from(whole.body).equals(large)).toBe(true);
      }),
    );
  });

  it("keeps untrusted keys out of the filesystem", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const outside = join(dataDir, "..", `escape-${Date.now()}.txt`);
    const keys = [
      "../../../../tmp/escape.txt",
      `../${outside.split("/").at(-1)}`,
      outside,
      "a/../../b",
      "nul\u0000key",
    ];
    const body = text("attacker bytes");
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        for (const key of keys) yield* assets.putObject(key, body, metadataOf(body));
        for (const key of keys) {
          expect(new TextDecoder().decode(Option.getOrThrow(yield* assets.getObject(key)).body)).toBe(
            "attacker bytes",
          );
        }
        yield* assets.deleteObjects(keys);
      }),
    );
    expect(existsSync(outside)).toBe(false);
    expect(existsSync("/tmp/escape.txt")).toBe(false);
    expect(readdirSync(dataDir).filter((name) => !name.startsWith("w7s.db"))).toEqual(["blobs"]);
    expect(blobFiles(dataDir)).toEqual([]);
  });

  it("names blobs by the bytes, not by the etag it is given", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const honest = text("honest");
    const other = text("other");
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        yield* assets.putObject("honest.txt", honest, metadataOf(honest));
        // A caller that labels other bytes with honest's hash must not replace what honest.txt serves.
        yield* assets.putObject("liar.txt", other, metadataOf(honest));
        expect(new TextDecoder().decode(Option.getOrThrow(yield* assets.getObject("honest.txt")).body)).toBe(
          "honest",
        );
        expect(new TextDecoder().decode(Option.getOrThrow(yield* assets.getObject("liar.txt")).body)).toBe(
          "other",
        );
      }),
    );
  });

  it("deletes a blob with the last key that uses it, never under a put that reuses it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const body = text("shared by two deployments");
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        yield* assets.putObject("d1/a.txt", body, metadataOf(body));
        yield* assets.putObject("d2/a.txt", body, metadataOf(body));
        yield* assets.deleteObjects(["d1/a.txt", "missing/key.txt"]);
        expect(blobFiles(dataDir)).toHaveLength(1);
        expect(Option.isNone(yield* assets.getObject("d1/a.txt"))).toBe(true);
        yield* assets.deleteObjects(["d2/a.txt"]);
        expect(blobFiles(dataDir)).toHaveLength(0);

        // Cleanup of an old deployment racing a new deploy of the same file.
        for (let round = 0; round < 20; round += 1) {
          yield* assets.putObject(`old-${round}/a.txt`, body, metadataOf(body));
          const cleanup = assets.deleteObjects([`old-${round}/a.txt`]);
          const deploy = assets.putObject(`new-${round}/a.txt`, body, metadataOf(body));
          // Both orders: the put starting first (and finding the blob present) is the dangerous one.
          yield* Effect.all(round % 2 === 0 ? [cleanup, deploy] : [deploy, cleanup], {
            concurrency: "unbounded",
          });
          const stored = yield* assets.getObject(`new-${round}/a.txt`);
          expect(Option.getOrThrow(stored).body).toEqual(body);
          yield* assets.deleteObjects([`new-${round}/a.txt`]);
        }
        expect(blobFiles(dataDir)).toHaveLength(0);
      }),
    );
  });

  it("stores, pages through and deletes manifests", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    await run(
      Effect.gen(function* () {
        const assets = yield* open(dataDir);
        const keys = ["static_manifest:v1:c", "static_manifest:v1:a", "static_manifest:v1:b"];
        for (const [index, key] of keys.entries()) yield* assets.putManifest(key, manifest(index + 1));
        expect(Option.getOrThrow(yield* assets.getManifest("static_manifest:v1:b"))).toEqual(manifest(3));
        expect(Option.isNone(yield* assets.getManifest("static_manifest:v1:z"))).toBe(true);

        const first = yield* assets.listManifests({ limit: 2 });
        expect(first.items).toEqual(["static_manifest:v1:a", "static_manifest:v1:b"]);
        const second = yield* assets.listManifests({ limit: 2, cursor: first.cursor! });
        expect(second).toEqual({ items: ["static_manifest:v1:c"], cursor: null });

        yield* assets.deleteManifest("static_manifest:v1:a");
        expect((yield* assets.listManifests({ limit: 10 })).items).toEqual([
          "static_manifest:v1:b",
          "static_manifest:v1:c",
        ]);
      }),
    );
  });
});

describe("CachedAssets: the asset store's memory, without waiting", () => {
  it("answers NotCached until a small object was read, then its bytes and ranges; undefined for no key", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const body = text("0123456789");
    await run(
      Effect.gen(function* () {
        const context = yield* Layer.build(assetStoreLayer({ dataDir }));
        const assets = Context.get(context, AssetStore);
        const cached = Context.get(context, CachedAssets);
        yield* assets.putObject("k", body, metadataOf(body));
        expect(cached.object("k", undefined)).toBe(NotCached);
        expect(cached.object("missing", undefined)).toBeUndefined();
        yield* assets.getObject("k");
        expect(new TextDecoder().decode(cached.object("k", undefined) as Uint8Array)).toBe("0123456789");
        expect(new TextDecoder().decode(cached.object("k", { offset: 2, length: 3 }) as Uint8Array)).toBe(
          "234",
        );
      }),
    );
  });

  it("reads a small object ahead into memory when asked, once, and leaves unknown keys alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    const body = text("<h1>index</h1>");
    await run(
      Effect.gen(function* () {
        const context = yield* Layer.build(assetStoreLayer({ dataDir }));
        const assets = Context.get(context, AssetStore);
        const cached = Context.get(context, CachedAssets);
        yield* assets.putObject("index", body, metadataOf(body));
        expect(cached.object("index", undefined)).toBe(NotCached);
        cached.readAhead("index");
        cached.readAhead("index");
        cached.readAhead("missing");
        for (let waited = 0; cached.object("index", undefined) === NotCached && waited < 2_000; waited += 5)
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)));
        expect(new TextDecoder().decode(cached.object("index", undefined) as Uint8Array)).toBe(
          "<h1>index</h1>",
        );
        // The store's own reads find it in memory too.
        expect(Option.getOrThrow(yield* assets.getObject("index")).cache).toBe("memory");
      }),
    );
  });
});
