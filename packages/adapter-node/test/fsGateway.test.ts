import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BindingGateway,
  type BindingsHost,
  bucketDirectory,
  makeFsGateway,
  makeGrantSigner,
  startBindingsHost,
  type UsageEvent,
} from "../src/bindings/index.js";

const dataDir = mkdtempSync(join(tmpdir(), "w7s-fsgw-"));
const signer = makeGrantSigner(dataDir);
const app = { environment: "production", orgSlug: "acme", repoSlug: "wire" };
const usage: UsageEvent[] = [];
const DAY = 24 * 60 * 60_000;
const MiB = 1024 * 1024;
let clock = Date.now();
let host: BindingsHost;

const unused: BindingGateway = { handle: async () => undefined, close: () => undefined };

beforeAll(async () => {
  host = await startBindingsHost({
    socketPath: join(mkdtempSync(join(tmpdir(), "w7s-fsgw-sock-")), "host.sock"),
    grants: signer,
    gateways: {
      kv: unused,
      db: unused,
      fs: makeFsGateway({
        dataDir,
        limits: { objectBytes: MiB * 16, partBytes: MiB * 4, minPartBytes: 1024 },
        now: () => clock,
      }),
    },
    usage: (event) => usage.push(event),
  });
});
afterAll(() => host.close());

const grantFor = (bucket: string) => signer.issue({ kind: "fs", resourceId: bucket, binding: "FILES", app });

interface Answer {
  status: number;
  error: { version: number; v4code: number; message: string } | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the answer JSON is checked field by field.
  metadata: any;
  value: Buffer;
}

const answerOf = (response: IncomingMessage): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("error", reject);
    response.on("end", () => {
      const body = Buffer.concat(chunks);
      const size = Number(response.headers["cf-r2-metadata-size"] ?? 0);
      const error = response.headers["cf-r2-error"];
      resolve({
        status: response.statusCode!,
        error: typeof error === "string" ? JSON.parse(error) : undefined,
        metadata: size > 0 ? JSON.parse(body.subarray(0, size).toString("utf8")) : undefined,
        value: body.subarray(size),
      });
    });
  });

/** Starts one binding request as workerd sends it; `value` makes it a PUT. */
const send = (bucket: string, operation: Record<string, unknown>, value?: Buffer) =>
  new Promise<IncomingMessage>((resolve, reject) => {
    const json = Buffer.from(JSON.stringify({ version: 1, ...operation }));
    const isRead = ["head", "get", "list"].includes(operation["method"] as string);
    const request = httpRequest({
      socketPath: host.socketPath,
      agent: false,
      method: isRead ? "GET" : "PUT",
      path: "/",
      headers: {
        "x-w7s-binding": grantFor(bucket),
        ...(isRead
          ? { "cf-r2-request": json.toString("utf8") }
          : { "cf-r2-metadata-size": json.length, "content-length": json.length + (value?.length ?? 0) }),
      },
    });
    request.on("response", resolve);
    request.on("error", reject);
    request.end(isRead ? undefined : Buffer.concat([json, value ?? Buffer.alloc(0)]));
  });

const r2 = async (bucket: string, operation: Record<string, unknown>, value?: Buffer) =>
  answerOf(await send(bucket, operation, value));

const directory = (bucket: string) => bucketDirectory(dataDir, bucket);
const filesUnder = (bucket: string, folder: string): string[] => {
  const root = join(directory(bucket), folder);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
};
const query = (bucket: string, sql: string) => {
  const database = new DatabaseSync(join(directory(bucket), "index.sqlite"));
  try {
    return database.prepare(sql).all();
  } finally {
    database.close();
  }
};

describe("object storage gateway on the wire", () => {
  it("refuses an object over the size limit, keeps nothing, and still answers on that connection", async () => {
    const tooLarge = await r2("limits", { method: "put", object: "big" }, randomBytes(16 * MiB + 1));
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.error).toEqual({
      version: 1,
      v4code: 100100,
      message: "Your proposed upload exceeds the maximum allowed object size.",
    });
    expect((await r2("limits", { method: "head", object: "big" })).status).toBe(404);
    const fits = await r2("limits", { method: "put", object: "big" }, randomBytes(16 * MiB));
    expect(fits.status).toBe(200);
    expect(fits.metadata).toMatchObject({ name: "big", size: 16 * MiB, storageClass: "Standard" });
    const part = await r2("limits", { method: "createMultipartUpload", object: "parts" });
    const oversizedPart = await r2(
      "limits",
      { method: "uploadPart", object: "parts", uploadId: part.metadata.uploadId, partNumber: 1 },
      randomBytes(4 * MiB + 1),
    );
    expect(oversizedPart.error?.v4code).toBe(100100);
    expect(filesUnder("limits", "tmp")).toEqual([]);
    expect(filesUnder("limits", "objects")).toHaveLength(1);
  });

  it("refuses a body streamed without a length once it passes the limit", async () => {
    const json = Buffer.from(JSON.stringify({ version: 1, method: "put", object: "chunked" }));
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest({
        socketPath: host.socketPath,
        agent: false,
        method: "PUT",
        path: "/",
        headers: { "x-w7s-binding": grantFor("limits"), "cf-r2-metadata-size": json.length },
      });
      request.on("response", resolve);
      request.on("error", reject);
      request.write(json);
      for (let index = 0; index < 17; index += 1) request.write(randomBytes(MiB));
      request.end();
    });
    expect((await answerOf(response)).error?.v4code).toBe(100100);
    expect((await r2("limits", { method: "head", object: "chunked" })).status).toBe(404);
  });

  it("drops a put whose connection closes mid-body: nothing visible, no file left", async () => {
    const put = async (object: string) => {
      const json = Buffer.from(JSON.stringify({ version: 1, method: "put", object }));
      const socket = connect(host.socketPath);
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `PUT / HTTP/1.1\r\nhost: x\r\nx-w7s-binding: ${grantFor("cut")}\r\ncf-r2-metadata-size: ${json.length}\r\ncontent-length: ${json.length + 200_000}\r\n\r\n`,
      );
      socket.write(Buffer.concat([json, randomBytes(100_000)]));
      await expect.poll(() => filesUnder("cut", "tmp")).toHaveLength(1);
      socket.destroy();
      await expect.poll(() => filesUnder("cut", "tmp")).toEqual([]);
    };
    await r2("cut", { method: "put", object: "kept" }, Buffer.from("old bytes"));
    await put("kept");
    await put("new");
    expect((await r2("cut", { method: "get", object: "kept" })).value.toString()).toBe("old bytes");
    expect((await r2("cut", { method: "head", object: "new" })).status).toBe(404);
    await expect.poll(() => query("cut", "select * from loose_files")).toEqual([]);
    expect(filesUnder("cut", "objects")).toHaveLength(1);
  });

  it("lets a reader finish the version it opened while the object is replaced and deleted", async () => {
    // Large enough that neither answer fits in the socket's buffers while its reader is paused.
    const old = randomBytes(8 * MiB);
    await r2("readers", { method: "put", object: "doc" }, old);
    const upload = await r2("readers", { method: "createMultipartUpload", object: "multi" });
    const parts = [randomBytes(3 * MiB), randomBytes(3 * MiB), randomBytes(100)];
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded = await r2(
        "readers",
        { method: "uploadPart", object: "multi", uploadId: upload.metadata.uploadId, partNumber: index + 1 },
        part,
      );
      etags.push(uploaded.metadata.etag);
    }
    const completed = await r2("readers", {
      method: "completeMultipartUpload",
      object: "multi",
      uploadId: upload.metadata.uploadId,
      parts: etags.map((etag, index) => ({ part: index + 1, etag })),
    });
    expect(completed.metadata.size).toBe(6 * MiB + 100);

    const reading = await send("readers", { method: "get", object: "doc" });
    const readingParts = await send("readers", { method: "get", object: "multi" });
    reading.pause();
    readingParts.pause();
    await r2("readers", { method: "put", object: "doc" }, Buffer.from("new"));
    await r2("readers", { method: "delete", objects: ["doc", "multi"] });
    expect((await r2("readers", { method: "head", object: "doc" })).status).toBe(404);
    // The files being read are still there until their readers end.
    expect(filesUnder("readers", "objects")).toHaveLength(4);
    reading.resume();
    readingParts.resume();
    const [single, multi] = await Promise.all([answerOf(reading), answerOf(readingParts)]);
    expect(single.value.equals(old)).toBe(true);
    expect(multi.value.equals(Buffer.concat(parts))).toBe(true);
    await expect.poll(() => filesUnder("readers", "objects")).toEqual([]);
    expect(query("readers", "select * from loose_files")).toEqual([]);
  });

  it("sweeps files of puts whose server died, old garbage and uploads abandoned for seven days", async () => {
    await r2("sweep", { method: "put", object: "live" }, Buffer.from("still here"));
    const upload = await r2("sweep", { method: "createMultipartUpload", object: "abandoned" });
    await r2(
      "sweep",
      { method: "uploadPart", object: "abandoned", uploadId: upload.metadata.uploadId, partNumber: 1 },
      Buffer.from("part"),
    );
    // What a server killed mid-put leaves behind: a loose row and its temporary file, an hour old.
    const root = directory("sweep");
    const database = new DatabaseSync(join(root, "index.sqlite"));
    database
      .prepare("insert into loose_files (blob, state, since) values (?, 'writing', ?), (?, 'garbage', ?)")
      .run("a".repeat(32), clock - 2 * 60 * 60_000, "b".repeat(32), clock - 2 * 60 * 60_000);
    database.close();
    mkdirSync(join(root, "tmp"), { recursive: true });
    writeFileSync(join(root, "tmp", "a".repeat(32)), "half a put");
    const old = new Date(Date.now() - 2 * 60 * 60_000);
    utimesSync(join(root, "tmp", "a".repeat(32)), old, old);
    mkdirSync(join(root, "objects", "bb"), { recursive: true });
    writeFileSync(join(root, "objects", "bb", "b".repeat(32)), "replaced long ago");
    expect(filesUnder("sweep", "objects")).toHaveLength(3);

    clock += 8 * DAY;
    await r2("sweep", { method: "head", object: "live" });
    await expect.poll(() => filesUnder("sweep", "tmp")).toEqual([]);
    await expect.poll(() => filesUnder("sweep", "objects")).toHaveLength(1);
    expect(query("sweep", "select * from loose_files")).toEqual([]);
    expect(query("sweep", "select state from uploads")).toEqual([{ state: 2 }]);
    expect((await r2("sweep", { method: "get", object: "live" })).value.toString()).toBe("still here");
    const late = await r2(
      "sweep",
      { method: "uploadPart", object: "abandoned", uploadId: upload.metadata.uploadId, partNumber: 2 },
      Buffer.from("late"),
    );
    expect(late.error?.v4code).toBe(10024);
  });

  it("answers requests the binding never sends with InvalidArgument", async () => {
    const noOperation = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest({
        socketPath: host.socketPath,
        agent: false,
        method: "GET",
        path: "/",
        headers: { "x-w7s-binding": grantFor("bad") },
      });
      request.on("response", resolve);
      request.on("error", reject);
      request.end();
    });
    const invalid = { version: 1, v4code: 10029, message: "Metadata missing or invalid" };
    expect((await answerOf(noOperation)).error).toEqual(invalid);
    expect((await r2("bad", { method: "rename", object: "x" })).error).toEqual(invalid);
    expect((await r2("bad", { method: "put" }, Buffer.from("x"))).error).toEqual(invalid);
    expect((await r2("bad", { method: "get", object: "x", range: { offset: "many" } })).error).toEqual(
      invalid,
    );
  });

  it("reports every operation to the usage sink under the grant's app", () => {
    expect(usage.length).toBeGreaterThan(20);
    expect(usage.every((event) => event.app.repoSlug === "wire")).toBe(true);
    expect(new Set(usage.map((event) => event.metric))).toEqual(new Set(["r2.class_a", "r2.class_b"]));
  });
});
