import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { BackendBundle } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketDirectory, type UsageEvent } from "../src/bindings/index.js";
import { makeWorkerdRuntime } from "../src/runtime/index.js";
import { FS_APP } from "./support/fsApp.js";

const dataDir = mkdtempSync(join(tmpdir(), "w7s-fs-"));
const usage: UsageEvent[] = [];
let runtime: ReturnType<typeof makeWorkerdRuntime>;

const bundle = (
  deploymentId: string,
  repoSlug: string,
  bucketName: string,
  orgSlug = "acme",
): BackendBundle => ({
  deploymentId,
  app: { environment: "production", orgSlug, repoSlug },
  scriptName: deploymentId,
  mainModule: "index.js",
  modules: [{ name: "index.js", content: FS_APP }],
  bindings: [{ type: "r2_bucket", name: "FILES", bucketName }],
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
});

beforeAll(async () => {
  runtime = makeWorkerdRuntime({ dataDir, usage: (event) => usage.push(event), requestTimeoutMs: 60_000 });
  await Effect.runPromise(runtime.service.publish(bundle("files-a", "files", "bucket-a")));
  await Effect.runPromise(runtime.service.publish(bundle("files-b", "elsewhere", "bucket-b", "other")));
  await Effect.runPromise(runtime.service.publish(bundle("files-u", "counted", "bucket-u")));
}, 60_000);
afterAll(async () => {
  await Effect.runPromise(runtime.shutdown());
});

const call = (deploymentId: string, path: string) =>
  Effect.runPromise(runtime.service.dispatch(deploymentId, new Request(`http://app.test/${path}`)));

// biome-ignore lint/suspicious/noExplicitAny: scenario answers are free-form JSON checked field by field.
const run = async (path: string, deploymentId = "files-a"): Promise<any> => {
  const response = await call(deploymentId, path);
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
};

const bucketA = bucketDirectory(dataDir, "bucket-a");
const index = (directory: string) => new DatabaseSync(join(directory, "index.sqlite"), { readOnly: true });
const segmentsOf = (directory: string, key: string): Array<[string, number]> => {
  const database = index(directory);
  try {
    const row = database.prepare("select segments from objects where key = ?").get(key) as
      | { segments: string }
      | undefined;
    return row === undefined ? [] : JSON.parse(row.segments);
  } finally {
    database.close();
  }
};
const blobFile = (directory: string, blob: string) => join(directory, "objects", blob.slice(0, 2), blob);
const looseFiles = (directory: string) => {
  const database = index(directory);
  try {
    return database.prepare("select blob, state from loose_files").all();
  } finally {
    database.close();
  }
};
const temporaryFiles = (directory: string) =>
  existsSync(join(directory, "tmp")) ? readdirSync(join(directory, "tmp")) : [];

const MD5_HELLO = "5d41402abc4b2a76b9719d911017c592";

describe("object storage (bindings.fs) through workerd's r2Bucket binding", () => {
  it("puts, gets and heads an object with its HTTP and custom metadata and checksums", async () => {
    const result = await run("basic");
    const expected = {
      key: "docs/hello.txt",
      size: 5,
      etag: MD5_HELLO,
      httpEtag: `"${MD5_HELLO}"`,
      httpMetadata: {
        contentType: "text/plain",
        contentLanguage: "en",
        contentDisposition: "inline",
        contentEncoding: "identity",
        cacheControl: "no-cache",
        cacheExpiry: "2030-01-02T03:04:05.000Z",
      },
      customMetadata: { owner: "ada", "x-note": "ünïcode" },
      checksums: { md5: MD5_HELLO },
      storageClass: "Standard",
    };
    expect(result.put).toMatchObject({ ...expected, hasBody: false });
    expect(result.put.range).toBeUndefined();
    expect(result.put.version).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.now() - Date.parse(result.put.uploaded)).toBeLessThan(60_000);
    expect(result.get).toMatchObject({ ...expected, hasBody: true, range: { offset: 0, length: 5 } });
    expect(result.get.version).toBe(result.put.version);
    expect(result.get.uploaded).toBe(result.put.uploaded);
    expect(result.text).toBe("hello");
    expect(result.head).toMatchObject({ ...expected, hasBody: false });
    expect(result.written).toEqual({
      "cache-control": "no-cache",
      "content-disposition": "inline",
      "content-encoding": "identity",
      "content-language": "en",
      "content-type": "text/plain",
      expires: "Wed, 02 Jan 2030 03:04:05 GMT",
    });
  });

  it("keeps each object's bytes in a file of its own under objects/, and removes a replaced version's file", async () => {
    await run("basic");
    const [[firstBlob, size]] = segmentsOf(bucketA, "docs/hello.txt") as [[string, number]];
    expect(size).toBe(5);
    expect(readFileSync(blobFile(bucketA, firstBlob), "utf8")).toBe("hello");
    expect(statSync(blobFile(bucketA, firstBlob)).mode & 0o777).toBe(0o600);
    await run("basic");
    const [[secondBlob]] = segmentsOf(bucketA, "docs/hello.txt") as [[string, number]];
    expect(secondBlob).not.toBe(firstBlob);
    expect(existsSync(blobFile(bucketA, firstBlob))).toBe(false);
    expect(readFileSync(blobFile(bucketA, secondBlob), "utf8")).toBe("hello");
    expect(existsSync(join(bucketA, "index.sqlite"))).toBe(true);
    expect(looseFiles(bucketA)).toEqual([]);
    expect(temporaryFiles(bucketA)).toEqual([]);
  });

  it("accepts strings, ArrayBuffers, views, Blobs, streams of known length and empty values", async () => {
    const result = await run("types");
    expect(result["t/string"]).toEqual({
      size: 8,
      bytes: [...Buffer.from("text ✓")],
      range: { offset: 0, length: 8 },
    });
    expect(result["t/buffer"].bytes).toEqual([1, 2, 3, 250]);
    expect(result["t/view"].bytes).toEqual([9, 8, 7]);
    expect(result["t/blob"].bytes).toEqual([...Buffer.from("from a blob")]);
    expect(result["t/stream"].bytes).toEqual([...Buffer.from("stream")]);
    expect(result["t/empty"]).toEqual({ size: 0, bytes: [], range: { offset: 0, length: 0 } });
    expect(result["t/empty-string"].size).toBe(0);
    expect(result.text).toBe("text ✓");
    expect(result.json).toEqual({ value: { a: [1, 2] } });
    expect(result.blob).toBe("from a blob");
    // An empty object needs no file.
    expect(segmentsOf(bucketA, "t/empty")).toEqual([]);
  });

  it("reads ranges by offset/length, suffix or Range header, and refuses unsatisfiable ones as R2 does", async () => {
    const result = await run("ranges");
    const read = (text: string, offset: number, length: number) => ({
      value: { text, range: { offset, length }, size: 10 },
    });
    expect(result.offsetLength).toEqual(read("234", 2, 3));
    expect(result.offset).toEqual(read("789", 7, 3));
    expect(result.length).toEqual(read("0123", 0, 4));
    expect(result.suffix).toEqual(read("789", 7, 3));
    expect(result.longSuffix).toEqual(read("0123456789", 0, 10));
    expect(result.clamped).toEqual(read("89", 8, 2));
    expect(result.header).toEqual(read("12", 1, 2));
    expect(result.headerOpen).toEqual(read("6789", 6, 4));
    expect(result.headerSuffix).toEqual(read("89", 8, 2));
    expect(result.headerUnsatisfiable).toEqual(read("0123456789", 0, 10));
    const unsatisfiable = { error: "get: The requested range is not satisfiable (10039)" };
    expect(result.pastEnd).toEqual(unsatisfiable);
    expect(result.zeroLength).toEqual(unsatisfiable);
    expect(result.zeroSuffix).toEqual(unsatisfiable);
    // The binding itself refuses negative offsets.
    expect(result.negative).toEqual({
      error: "Invalid range. Starting offset (-1) must be greater than or equal to 0.",
    });
  });

  it("applies onlyIf preconditions (object form and Headers form) to gets and conditional puts", async () => {
    const result = await run("conditions");
    const body = { hasBody: true, text: "v1" };
    const noBody = { hasBody: false, text: null };
    expect(result.etagMatches).toMatchObject(body);
    expect(result.etagMatchesWrong).toMatchObject(noBody);
    expect(result.etagMatchesWildcard).toMatchObject(body);
    expect(result.etagDoesNotMatch).toMatchObject(noBody);
    expect(result.etagDoesNotMatchOther).toMatchObject(body);
    expect(result.uploadedBeforeLater).toMatchObject(body);
    expect(result.uploadedBeforeEarlier).toMatchObject(noBody);
    expect(result.uploadedAfterEarlier).toMatchObject(body);
    expect(result.uploadedAfterLater).toMatchObject(noBody);
    expect(result.headersIfNoneMatch).toMatchObject(noBody);
    expect(result.headersIfMatch).toMatchObject(body);
    expect(result.headersIfMatchWrong).toMatchObject(noBody);
    expect(result.headersIfModifiedSince).toMatchObject(noBody);
    expect(result.headersIfUnmodifiedSince).toMatchObject(body);
    // A failed precondition still describes the object.
    expect(result.etagMatchesWrong.etag).toBe(result.etagMatches.etag);
    expect(result.missing).toBeNull();
    // A conditional put that fails answers null and changes nothing.
    expect(result.putWrongEtag).toBeNull();
    expect(result.putCreateOnlyExisting).toBeNull();
    expect(result.putCreateOnlyNew).toBe("c/new");
    expect(result.putMatching).toMatch(/^[0-9a-f]{32}$/);
    // Written after putMatching replaced v1, so the first version's etag no longer matches.
    expect(result.putHeaders).toBeNull();
    expect(result.finalText).toBe("v3");
  });

  it("answers null for missing keys and R2's errors for bad checksums, metadata, keys, limits and storage classes", async () => {
    const result = await run("errors");
    expect(result.getMissing).toBeNull();
    expect(result.headMissing).toBeNull();
    expect(result.deleteMissing).toEqual({});
    const badDigest = (algorithm: string, provided: string, actual: string) => ({
      error: `put: The ${algorithm} checksum you specified did not match what we received.\nYou provided a ${algorithm} checksum with value: ${provided}\nActual ${algorithm} was: ${actual} (10037)`,
    });
    expect(result.badMd5).toEqual(badDigest("MD5", "0".repeat(32), "900150983cd24fb0d6963f7d28e17f72"));
    expect(result.badSha1).toEqual(
      badDigest("SHA-1", "0".repeat(40), "a9993e364706816aba3e25717850c26c9cd0d89d"),
    );
    expect(result.badSha256).toEqual(
      badDigest(
        "SHA-256",
        "0".repeat(64),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      ),
    );
    expect(result.badSha384.error).toMatch(/^put: The SHA-384 checksum you specified did not match/);
    expect(result.badSha512.error).toMatch(/^put: The SHA-512 checksum you specified did not match/);
    const md5 = "900150983cd24fb0d6963f7d28e17f72";
    expect(result.goodChecksums.value.sha256).toEqual({
      put: { md5, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
      head: { md5, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    });
    expect(result.goodChecksums.value.sha1.head).toEqual({
      md5,
      sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
    });
    expect(Object.keys(result.goodChecksums.value.sha384.head)).toEqual(["md5", "sha384"]);
    expect(Object.keys(result.goodChecksums.value.sha512.head)).toEqual(["md5", "sha512"]);
    expect(result.goodChecksums.value.md5).toEqual({ md5 });
    expect(result.failedChecksumLeftNothing).toBeNull();
    expect(result.metadataAtLimit).toEqual({ value: 1 });
    const metadataTooLarge = {
      error: "put: Your metadata headers exceed the maximum allowed metadata size. (10012)",
    };
    expect(result.metadataTooLarge).toEqual(metadataTooLarge);
    expect(result.metadataWide).toEqual(metadataTooLarge);
    expect(result.keyAtLimit).toEqual({ value: 1024 });
    expect(result.keyTooLong).toEqual({ error: "put: The specified object name is not valid. (10020)" });
    expect(result.keyTooLongGet).toEqual({ error: "get: The specified object name is not valid. (10020)" });
    expect(result.keyMultibyteTooLong).toEqual({
      error: "head: The specified object name is not valid. (10020)",
    });
    expect(result.emptyKey).toEqual({ error: "put: The specified object name is not valid. (10020)" });
    const maxKeys = "MaxKeys params must be positive integer <= 1000. (10022)";
    expect(result.listLimitHigh).toEqual({ error: `list: ${maxKeys}` });
    expect(result.listLimitZero).toEqual({ error: `list: ${maxKeys}` });
    expect(result.listBadCursor).toEqual({ error: "list: The cursor is not valid. (10029)" });
    expect(result.deleteTooMany).toEqual({
      error: "delete: You can delete at most 1000 keys at once. (10029)",
    });
    expect(result.badStorageClass).toEqual({
      error: "put: The storage class you specified is not valid. (10040)",
    });
    expect(result.infrequent).toEqual({ value: "InfrequentAccess" });
    expect(result.ssec).toEqual({
      error:
        "put: Server-side encryption with customer-provided keys is not supported by this server. (10029)",
    });
    expect(result.stillThere).toBe("x");
  });

  it("lists in UTF-8 byte order with prefix, delimiter, cursor pages, startAfter and include", async () => {
    const result = await run("list");
    const all = ["l/a/1", "l/a/2", "l/a/b/3", "l/b/1", "l/c", "l/d", "l/z", "l/é"];
    expect(result.all).toEqual({ keys: all, prefixes: [], truncated: false, cursor: "undefined" });
    expect(result.delimited).toEqual({
      keys: ["l/c", "l/d", "l/z", "l/é"],
      prefixes: ["l/a/", "l/b/"],
      truncated: false,
      cursor: "undefined",
    });
    expect(result.nested).toMatchObject({ keys: ["l/a/1", "l/a/2"], prefixes: ["l/a/b/"] });
    expect(result.startAfter.keys).toEqual(["l/c", "l/d", "l/z", "l/é"]);
    expect(result.noMatch).toEqual({ keys: [], prefixes: [], truncated: false, cursor: "undefined" });
    expect(result.pages).toEqual([all.slice(0, 3), all.slice(3, 6), all.slice(6)]);
    // Delimited prefixes count toward the limit, and a page never repeats one.
    expect(result.delimitedPages).toEqual([
      { keys: [], prefixes: ["l/a/", "l/b/"] },
      { keys: ["l/c", "l/d"], prefixes: [] },
      { keys: ["l/z", "l/é"], prefixes: [] },
    ]);
    expect(result.withMetadata).toEqual([
      { key: "l/a/1", http: { contentType: "text/x-5" }, custom: { name: "l/a/1" } },
      { key: "l/a/2", http: { contentType: "text/x-5" }, custom: { name: "l/a/2" } },
      { key: "l/a/b/3", http: { contentType: "text/x-7" }, custom: { name: "l/a/b/3" } },
    ]);
    expect(result.withoutMetadata).toEqual([
      { http: {}, custom: {} },
      { http: {}, custom: {} },
      { http: {}, custom: {} },
    ]);
    expect(result.described).toMatchObject({
      key: "l/a/1",
      size: 5,
      storageClass: "Standard",
      hasBody: false,
    });
    expect(result.described.checksums.md5).toBe(result.described.etag);
  });

  it("deletes one key or an array of keys", async () => {
    expect(await run("remove")).toEqual({ left: ["x/4"] });
  });

  it("assembles multipart uploads in part order, with R2's etag and a readable range across parts", async () => {
    const result = await run("multipart");
    expect(result.uploadKey).toBe("m/big.bin");
    expect(result.uploadIdType).toBe("string");
    expect(result.partNumbers).toEqual([1, 2, 3]);
    expect(result.staleEtagDiffers).toBe(true);
    expect(result.visibleBeforeComplete).toBeNull();
    expect(result.staleEtag).toEqual({
      error: "completeMultipartUpload: One or more of the specified parts could not be found. (10025)",
    });
    const size = 5 * 1024 * 1024 * 2 + 1000;
    const described = {
      key: "m/big.bin",
      size,
      httpMetadata: { contentType: "application/x-parts" },
      customMetadata: { parts: "3" },
      storageClass: "InfrequentAccess",
      checksums: {},
    };
    expect(result.done).toMatchObject(described);
    expect(result.done.etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(result.got).toMatchObject({
      ...described,
      etag: result.done.etag,
      range: { offset: 0, length: size },
    });
    expect(result.sha256).toBe(result.expectedSha256);
    expect(result.across).toEqual(result.expectedAcross);
    expect(result.tail).toBe(true);
    expect(result.partAfterComplete).toEqual({
      error: "uploadPart: The specified multipart upload does not exist. (10024)",
    });
    expect(result.completeAgain).toEqual({
      error: "completeMultipartUpload: The specified multipart upload does not exist. (10024)",
    });
    expect(result.abortAfterComplete).toEqual({ value: "aborted" });
    expect(segmentsOf(bucketA, "m/big.bin").map(([, bytes]) => bytes)).toEqual([5242880, 5242880, 1000]);
  }, 60_000);

  it("enforces R2's part rules: >= 5 MiB and equal sizes except the last, known parts and etags, live uploads", async () => {
    const result = await run("multipartRules");
    const error = (message: string) => ({ error: `completeMultipartUpload: ${message}` });
    expect(result.tooSmall).toEqual(
      error("Your proposed upload is smaller than the minimum allowed object size. (10011)"),
    );
    expect(result.unequal).toEqual(error("There was a problem with the multipart upload. (10048)"));
    expect(result.lastLarger).toEqual(error("There was a problem with the multipart upload. (10048)"));
    expect(result.single).toEqual({ value: 10 });
    const notFound = error("One or more of the specified parts could not be found. (10025)");
    expect(result.missingPart).toEqual(notFound);
    expect(result.wrongEtag).toEqual(notFound);
    expect(result.duplicate).toEqual(notFound);
    expect(result.partAfterAbort).toEqual({
      error: "uploadPart: The specified multipart upload does not exist. (10024)",
    });
    expect(result.completeAfterAbort).toEqual(
      error("The specified multipart upload does not exist. (10024)"),
    );
    expect(result.abortTwice).toEqual({ value: "aborted" });
    expect(result.unknownUpload).toEqual({
      error: "uploadPart: The specified multipart upload does not exist. (10024)",
    });
    expect(result.wrongKey).toEqual({
      error: "abortMultipartUpload: The specified multipart upload does not exist. (10024)",
    });
    expect(result.abortedLeftNothing).toBeNull();
    // Parts of aborted and failed uploads are not kept.
    const database = index(bucketA);
    try {
      const referenced = new Set(
        [
          ...(database.prepare("select segments from objects").all() as Array<{ segments: string }>).flatMap(
            (row) => (JSON.parse(row.segments) as Array<[string, number]>).map(([blob]) => blob),
          ),
          ...(database.prepare("select blob from parts").all() as Array<{ blob: string }>).map(
            (row) => row.blob,
          ),
        ].map((blob) => blob.slice(0, 2) + blob),
      );
      const onDisk = readdirSync(join(bucketA, "objects")).flatMap((folder) =>
        readdirSync(join(bucketA, "objects", folder)).map((blob) => folder + blob),
      );
      expect(onDisk.filter((file) => !referenced.has(file))).toEqual([]);
    } finally {
      database.close();
    }
  }, 60_000);

  it("streams a 50 MB object in and out without holding it in the server's memory", async () => {
    const size = 50 * 1000 * 1000;
    // Live memory, not garbage waiting for a collection: a sample over half the bound is taken again after one.
    setFlagsFromString("--expose-gc");
    const collect = runInNewContext("gc") as () => void;
    const bound = 16 * 1024 * 1024;
    collect();
    const baseline = process.memoryUsage();
    let peakBuffers = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      let now = process.memoryUsage();
      if (now.arrayBuffers - baseline.arrayBuffers > bound / 2 || now.heapUsed - baseline.heapUsed > bound) {
        collect();
        now = process.memoryUsage();
      }
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers - baseline.arrayBuffers);
      peakHeap = Math.max(peakHeap, now.heapUsed - baseline.heapUsed);
    }, 5);
    let result: { size: number; etag: string; sent: string; received: string };
    try {
      result = await run(`big?size=${size}&key=big/fifty`);
    } finally {
      clearInterval(sampler);
    }
    expect(result.size).toBe(size);
    expect(result.received).toBe(result.sent);
    const [[blob, bytes]] = segmentsOf(bucketA, "big/fifty") as [[string, number]];
    expect(bytes).toBe(size);
    expect(statSync(blobFile(bucketA, blob)).size).toBe(size);
    // The value passes through in chunks of at most a few MiB; a buffered copy would show 50 MB here.
    expect(peakBuffers).toBeLessThan(bound);
    expect(peakHeap).toBeLessThan(2 * bound);
  }, 120_000);

  it("never shows a put cut off mid-stream: the old version stays, a new key stays absent, no file is left", async () => {
    const result = await run("interrupted");
    expect(result.put).toEqual({ error: "the app gave up" });
    expect(result.fresh).toEqual({ error: "gave up" });
    expect(result.after).toBe("version one");
    expect(result.freshAfter).toBeNull();
    await expect.poll(() => temporaryFiles(bucketA)).toEqual([]);
    await expect.poll(() => looseFiles(bucketA)).toEqual([]);
  });

  it("never shows a put whose workerd process was killed mid-stream", async () => {
    const stalled = call("files-a", "stall").catch(() => undefined);
    await expect
      .poll(() => temporaryFiles(bucketA).map((file) => statSync(join(bucketA, "tmp", file)).size), {
        timeout: 10_000,
      })
      .toEqual([1024 * 1024]);
    process.kill(runtime.processIds().get("files-a")!, "SIGKILL");
    await stalled;
    await expect.poll(() => temporaryFiles(bucketA)).toEqual([]);
    await expect.poll(() => looseFiles(bucketA)).toEqual([]);
    expect((await run("read?key=s/doc")).text).toBe("before the crash");
  }, 30_000);

  it("keeps buckets apart: another app's bucket sees none of these objects", async () => {
    await run("basic");
    const peek = await run("peek", "files-b");
    expect(peek).toEqual({ keys: [], hello: null, head: null });
    await run("types", "files-b");
    const own = await run("peek", "files-b");
    expect(own.keys).toContain("t/blob");
    expect((await run("read?key=t/blob")).text).toBe("from a blob");
    expect(readdirSync(join(dataDir, "storage", "fs")).sort()).toEqual(
      expect.arrayContaining(["bucket-a", "bucket-b"]),
    );
  });

  it("refuses requests to the bindings socket without a grant this server signed", async () => {
    const configFile = readdirSync(join(dataDir, "runtime", "files-a")).find((file) =>
      file.endsWith(".capnp"),
    )!;
    const config = readFileSync(join(dataDir, "runtime", "files-a", configFile), "utf8");
    const [, socketPath, grant] =
      /address = "unix:([^"]+)", http = \(injectRequestHeaders = \[\(name = "x-w7s-binding", value = "([^"]+)"\)\]/.exec(
        config,
      )!;
    const head = (grantHeader: string | undefined) =>
      new Promise<{ status: number; error: string | undefined }>((resolve, reject) => {
        const request = httpRequest(
          {
            socketPath,
            method: "GET",
            path: "/",
            headers: {
              "cf-r2-request": JSON.stringify({ version: 1, method: "head", object: "docs/hello.txt" }),
              ...(grantHeader === undefined ? {} : { "x-w7s-binding": grantHeader }),
            },
          },
          (response) => {
            response.resume();
            response.on("end", () =>
              resolve({
                status: response.statusCode!,
                error: response.headers["cf-r2-error"] as string | undefined,
              }),
            );
          },
        );
        request.on("error", reject);
        request.end();
      });
    const [payload, signature] = grant!.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = `${Buffer.from(JSON.stringify({ ...claims, resourceId: "bucket-b" })).toString("base64url")}.${signature}`;
    expect((await head(undefined)).status).toBe(403);
    expect((await head("not-a-grant")).status).toBe(403);
    expect((await head(`${payload}.${Buffer.alloc(32).toString("base64url")}`)).status).toBe(403);
    expect((await head(forged)).status).toBe(403);
    expect(claims).toMatchObject({ kind: "fs", resourceId: "bucket-a", binding: "FILES" });
    expect(await head(grant)).toEqual({ status: 200, error: undefined });
  });

  it("counts each operation once: r2.class_b for head/get/list, r2.class_a for writes, error when the call throws", async () => {
    await run("usage", "files-u");
    const counted = usage.filter((event) => event.app.repoSlug === "counted");
    const tally = (metric: string, outcome: "success" | "error") =>
      counted.filter((event) => event.metric === metric && event.outcome === outcome).length;
    // head (missing), get, get (failed onlyIf), list; then a list over the limit.
    expect(tally("r2.class_b", "success")).toBe(4);
    expect(tally("r2.class_b", "error")).toBe(1);
    // put, createMultipartUpload, uploadPart, abort, delete; then a put with a wrong checksum.
    expect(tally("r2.class_a", "success")).toBe(5);
    expect(tally("r2.class_a", "error")).toBe(1);
    expect(counted).toHaveLength(11);
    expect(counted.every((event) => event.count === 1 && event.units === 1)).toBe(true);
    expect(counted[0]!.app).toEqual({ environment: "production", orgSlug: "acme", repoSlug: "counted" });
  });
});
