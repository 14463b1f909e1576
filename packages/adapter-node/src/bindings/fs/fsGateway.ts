/**
 * Object storage (R2) on the protocol workerd's `r2Bucket` binding speaks: `GET /` with the operation as
 * JSON in `cf-r2-request` (head, get, list), `PUT /` with it as the first `cf-r2-metadata-size` bytes of
 * the body, the value after it (put, delete, multipart). Answers are that JSON again (a get's bytes
 * following it); refusals are a status with `cf-r2-error`, which the binding turns into the app's
 * `put: <message> (<code>)` error or, for a missing key or a failed `onlyIf`, into `null`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BindingGateway, GatewayRequest } from "../gateway.js";
import { bucketDirectory } from "../layout.js";
import { makeResourceDatabases } from "../sqliteFiles.js";
import { type Bucket, makeBucketStore } from "./fsBucket.js";
import { errorHeader, FS_LIMITS, type FsLimits, R2Failure, r2Errors, r2Messages } from "./r2Errors.js";
import { checkKey, checkObjectOptions, conditionHolds, resolveRange } from "./r2Rules.js";
import { type ChecksumName, encodeObject, parseRequest, type R2Method, type R2Request } from "./r2Wire.js";

export interface FsGatewayOptions {
  readonly dataDir: string;
  /** R2's limits unless replaced (tests use small ones). */
  readonly limits?: Partial<FsLimits>;
  readonly now?: () => number;
}

/** The longest operation JSON accepted (a complete of 10 000 parts, a delete of 1000 long keys). */
const MAX_REQUEST_JSON = 16 * 1024 * 1024;

const CLASS_B: ReadonlySet<R2Method> = new Set(["head", "get", "list"]);

/** A PUT body: the operation JSON, then the value, read from the request as it arrives. */
interface PutBody {
  /** Reads the operation JSON (the first `cf-r2-metadata-size` bytes). */
  readonly readJson: () => Promise<string>;
  /** The bytes after the JSON. */
  readonly value: AsyncIterable<Buffer>;
  /** The value's declared length (`content-length` minus the JSON), once the JSON is read. */
  readonly valueSize: () => number | undefined;
  /** Reads and drops what is left, so the binding can still read the answer on a live connection. */
  readonly drain: () => void;
}

const putBody = (request: IncomingMessage): PutBody => {
  // The request's iterator is never handed to `for await` itself: leaving that loop early would destroy
  // the request, and with it the connection a refusal must still be written to.
  const iterator = request[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const sizeHeader = request.headers["cf-r2-metadata-size"];
  const jsonSize =
    typeof sizeHeader === "string" && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : Number.NaN;
  const lengthHeader = request.headers["content-length"];
  const contentLength = lengthHeader === undefined ? Number.NaN : Number(lengthHeader);
  let leftover: Buffer | undefined;
  return {
    readJson: async () => {
      if (Number.isNaN(jsonSize)) throw r2Errors.invalidArgument(r2Messages.badRequest);
      if (jsonSize > MAX_REQUEST_JSON) throw r2Errors.metadataTooLarge();
      const head: Buffer[] = [];
      let have = 0;
      while (have < jsonSize) {
        const step = await iterator.next();
        if (step.done === true) throw r2Errors.invalidArgument(r2Messages.badRequest);
        head.push(step.value);
        have += step.value.length;
      }
      const joined = Buffer.concat(head, have);
      leftover = joined.subarray(jsonSize);
      return joined.subarray(0, jsonSize).toString("utf8");
    },
    value: (async function* () {
      if (leftover !== undefined && leftover.length > 0) yield leftover;
      for (;;) {
        const step = await iterator.next();
        if (step.done === true) return;
        yield step.value;
      }
    })(),
    valueSize: () => (Number.isSafeInteger(contentLength) ? contentLength - jsonSize : undefined),
    drain: () => {
      const next = (): void => {
        iterator.next().then(
          (step) => (step.done === true ? undefined : next()),
          () => undefined,
        );
      };
      next();
    },
  };
};

const sendJson = (response: ServerResponse, value: unknown): void => {
  const text = Buffer.from(JSON.stringify(value));
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": text.length,
    "cf-r2-metadata-size": text.length,
  });
  response.end(text);
};

const sendEmpty = (response: ServerResponse): void => {
  response.writeHead(200, { "content-length": 0 });
  response.end();
};

const sendFailure = (response: ServerResponse, failure: R2Failure): void => {
  if (response.headersSent) {
    // A body already under way cannot turn into an error; cutting it off makes the app's read fail.
    response.destroy();
    return;
  }
  const headers: Record<string, string | number> = { "cf-r2-error": errorHeader(failure) };
  if (failure.object === undefined) {
    headers["content-length"] = 0;
    response.writeHead(failure.status, headers);
    response.end();
    return;
  }
  const text = Buffer.from(JSON.stringify(failure.object));
  headers["content-type"] = "application/json";
  headers["content-length"] = text.length;
  headers["cf-r2-metadata-size"] = text.length;
  response.writeHead(failure.status, headers);
  response.end(text);
};

const writable = (response: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });

/** Whether the app's call still succeeds: a missing key and a failed `onlyIf` give it `null` (or no body). */
const appSucceeds = (method: R2Method | undefined, failure: R2Failure): boolean =>
  (failure.v4code === 10007 && (method === "head" || method === "get")) ||
  (failure.v4code === 10031 && (method === "head" || method === "get" || method === "put"));

export const makeFsGateway = (options: FsGatewayOptions): BindingGateway => {
  const files = makeResourceDatabases();
  const limits: FsLimits = { ...FS_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const store = makeBucketStore({ files, limits, now });

  const head = (bucket: Bucket, response: ServerResponse, key: string) => {
    checkKey(key, limits);
    const object = bucket.lookup(key);
    if (object === undefined) throw r2Errors.noSuchKey();
    sendJson(response, encodeObject(object, { range: { offset: 0, length: object.size } }));
  };

  const get = async (bucket: Bucket, response: ServerResponse, r2: Extract<R2Request, { method: "get" }>) => {
    checkKey(r2.object, limits);
    // A put may replace the object between the lookup and opening its file: then look again.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const object = bucket.lookup(r2.object);
      if (object === undefined) throw r2Errors.noSuchKey();
      if (r2.onlyIf !== undefined && !conditionHolds(r2.onlyIf, object))
        throw r2Errors.preconditionFailed(
          encodeObject(object, { range: { offset: 0, length: object.size } }),
        );
      const range = resolveRange(r2.range, r2.rangeHeader, object.size);
      const reader = await bucket.read(object, range);
      if (reader === undefined) continue;
      try {
        const metadata = Buffer.from(JSON.stringify(encodeObject(object, { range })));
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": metadata.length + range.length,
          "cf-r2-metadata-size": metadata.length,
        });
        response.write(metadata);
        for await (const chunk of reader.chunks) {
          if (response.destroyed) break;
          if (!response.write(chunk)) await writable(response);
        }
        response.end();
      } finally {
        await reader.close();
      }
      return;
    }
    throw r2Errors.internal();
  };

  const put = async (
    bucket: Bucket,
    response: ServerResponse,
    r2: Extract<R2Request, { method: "put" }>,
    body: PutBody,
  ) => {
    checkKey(r2.object, limits);
    checkObjectOptions(r2, limits);
    if ((body.valueSize() ?? 0) > limits.objectBytes) throw r2Errors.entityTooLarge();
    // Checked again when committing; refusing now spares writing a value that would be thrown away.
    if (r2.onlyIf !== undefined && !conditionHolds(r2.onlyIf, bucket.lookup(r2.object)))
      throw r2Errors.preconditionFailed();
    const digests: ChecksumName[] = ["md5"];
    if (r2.checksum !== undefined && r2.checksum.name !== "md5") digests.push(r2.checksum.name);
    const written = await bucket.writeBlob(body.value, {
      expectedSize: body.valueSize(),
      maxSize: limits.objectBytes,
      digests,
      verify: (computed) => {
        if (r2.checksum === undefined) return;
        const actual = computed[r2.checksum.name]!;
        if (actual !== r2.checksum.hex)
          throw r2Errors.badDigest(DIGEST_NAMES[r2.checksum.name], r2.checksum.hex, actual);
      },
    });
    const checksums = {
      md5: written.digests.md5!,
      ...(r2.checksum === undefined ? {} : { [r2.checksum.name]: written.digests[r2.checksum.name]! }),
    };
    const object = await bucket.commitPut(r2.object, written, { ...r2, checksums }, r2.onlyIf);
    sendJson(response, encodeObject(object));
  };

  const list = (bucket: Bucket, response: ServerResponse, r2: Extract<R2Request, { method: "list" }>) => {
    const limit = r2.limit ?? limits.listKeys;
    if (!Number.isInteger(limit) || limit < 1 || limit > limits.listKeys) throw r2Errors.invalidMaxKeys();
    let from: string | undefined;
    if (r2.startAfter !== undefined && r2.startAfter !== "") from = `${r2.startAfter}\u0000`;
    if (r2.cursor !== undefined && r2.cursor !== "") {
      const position = decodeCursor(r2.cursor);
      if (from === undefined || Buffer.compare(Buffer.from(position), Buffer.from(from)) > 0) from = position;
    }
    const result = bucket.list({
      prefix: r2.prefix,
      delimiter: r2.delimiter === "" ? undefined : r2.delimiter,
      from,
      limit,
    });
    sendJson(response, {
      objects: result.objects.map((object) =>
        encodeObject(object, { httpMetadata: r2.includeHttp, customMetadata: r2.includeCustom }),
      ),
      truncated: result.next !== undefined,
      ...(result.next === undefined ? {} : { cursor: encodeCursor(result.next) }),
      delimitedPrefixes: result.delimitedPrefixes,
    });
  };

  const run = async (bucket: Bucket, request: GatewayRequest, r2: R2Request, body: PutBody | undefined) => {
    const { response } = request;
    switch (r2.method) {
      case "head":
        return head(bucket, response, r2.object);
      case "get":
        return await get(bucket, response, r2);
      case "list":
        return list(bucket, response, r2);
      case "put":
        return await put(bucket, response, r2, body!);
      case "delete": {
        if (r2.objects.length > limits.deleteKeys) throw r2Errors.invalidArgument(r2Messages.tooManyKeys);
        for (const key of r2.objects) checkKey(key, limits);
        await bucket.remove(r2.objects);
        return sendEmpty(response);
      }
      case "createMultipartUpload": {
        checkKey(r2.object, limits);
        checkObjectOptions(r2, limits);
        return sendJson(response, { uploadId: bucket.createUpload(r2.object, r2) });
      }
      case "uploadPart": {
        checkKey(r2.object, limits);
        bucket.checkUploadOpen(r2.object, r2.uploadId);
        if ((body!.valueSize() ?? 0) > limits.partBytes) throw r2Errors.entityTooLarge();
        const written = await bucket.writeBlob(body!.value, {
          expectedSize: body!.valueSize(),
          maxSize: limits.partBytes,
          digests: ["md5"],
        });
        const etag = await bucket.commitPart(r2.object, r2.uploadId, r2.partNumber, written);
        return sendJson(response, { etag });
      }
      case "completeMultipartUpload": {
        checkKey(r2.object, limits);
        return sendJson(response, encodeObject(await bucket.complete(r2.object, r2.uploadId, r2.parts)));
      }
      case "abortMultipartUpload": {
        checkKey(r2.object, limits);
        await bucket.abort(r2.object, r2.uploadId);
        return sendEmpty(response);
      }
    }
  };

  return {
    handle: async (request) => {
      const { method } = request.request;
      let r2: R2Request | undefined;
      let body: PutBody | undefined;
      try {
        if (method === "GET") {
          const header = request.request.headers["cf-r2-request"];
          request.request.resume();
          if (typeof header !== "string") throw r2Errors.invalidArgument(r2Messages.badRequest);
          r2 = parseRequest(header);
        } else if (method === "PUT") {
          body = putBody(request.request);
          r2 = parseRequest(await body.readJson());
        } else {
          request.request.resume();
          throw r2Errors.invalidArgument(r2Messages.badRequest);
        }
        const bucket = store.bucket(bucketDirectory(options.dataDir, request.grant.resourceId));
        bucket.sweep().catch(() => undefined);
        await run(bucket, request, r2, body);
        request.count(metricOf(r2.method, method), "success");
      } catch (error) {
        const failure = error instanceof R2Failure ? error : r2Errors.internal();
        body?.drain();
        request.count(metricOf(r2?.method, method), appSucceeds(r2?.method, failure) ? "success" : "error");
        sendFailure(request.response, failure);
      }
    },
    close: () => files.close(),
  };
};

const DIGEST_NAMES = {
  md5: "MD5",
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
} as const;

const metricOf = (operation: R2Method | undefined, httpMethod: string | undefined): string =>
  (operation === undefined ? httpMethod === "GET" : CLASS_B.has(operation)) ? "r2.class_b" : "r2.class_a";

/** Cursors are where the next page starts, opaque to the app. */
const encodeCursor = (from: string): string => Buffer.from(from, "utf8").toString("base64url");

const decodeCursor = (cursor: string): string => {
  const from = Buffer.from(cursor, "base64url").toString("utf8");
  if (encodeCursor(from) !== cursor) throw r2Errors.invalidArgument(r2Messages.badCursor);
  return from;
};
