/** AssetStore on R2: objects under their content-addressed keys, manifests as JSON under `manifests/`. */
import { AssetStore, type Page, StaticManifest, StoreError } from "@w7s/core";
import { Effect, Layer, Option, Schema } from "effect";

const MANIFESTS = "manifests/";
const decodeManifest = Schema.decodeUnknownSync(StaticManifest);

const attempt = <A>(operation: string, body: () => Promise<A>): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({
    try: body,
    catch: (cause) =>
      new StoreError({
        reason: "Unavailable",
        operation,
        description: cause instanceof Error ? cause.message : String(cause),
        cause,
      }),
  });

/** The AssetStore on one bucket. */
export const makeCloudflareAssetStore = (bucket: R2Bucket): AssetStore["Service"] => ({
  putObject: (key, body, metadata) =>
    attempt("AssetStore.putObject", async () => {
      await bucket.put(key, body, {
        httpMetadata: { contentType: metadata.contentType },
        customMetadata: { etag: metadata.etag },
      });
    }),
  getObject: (key, range) =>
    attempt("AssetStore.getObject", async () => {
      const object = await bucket.get(key, range === undefined ? {} : { range });
      if (object === null) return Option.none();
      return Option.some({
        body: new Uint8Array(await object.arrayBuffer()),
        size: object.size,
        contentType: object.httpMetadata?.contentType ?? "application/octet-stream",
        etag: object.customMetadata?.etag ?? "",
      });
    }),
  deleteObjects: (keys) =>
    attempt("AssetStore.deleteObjects", async () => {
      // R2 deletes at most 1000 keys per call.
      for (let start = 0; start < keys.length; start += 1000)
        await bucket.delete([...keys.slice(start, start + 1000)]);
    }),
  putManifest: (manifestKey, manifest) =>
    attempt("AssetStore.putManifest", async () => {
      await bucket.put(
        `${MANIFESTS}${manifestKey}`,
        JSON.stringify(Schema.encodeSync(StaticManifest)(manifest)),
        {
          httpMetadata: { contentType: "application/json" },
        },
      );
    }),
  getManifest: (manifestKey) =>
    attempt("AssetStore.getManifest", async () => {
      const object = await bucket.get(`${MANIFESTS}${manifestKey}`);
      return object === null ? Option.none() : Option.some(decodeManifest(await object.json()));
    }),
  listManifests: (page) =>
    attempt("AssetStore.listManifests", async (): Promise<Page<string>> => {
      const listed = await bucket.list({
        prefix: MANIFESTS,
        limit: Math.min(1000, Math.max(1, page.limit)),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      });
      return {
        items: listed.objects.map((object) => object.key.slice(MANIFESTS.length)),
        cursor: listed.truncated ? listed.cursor : null,
      };
    }),
  deleteManifest: (manifestKey) =>
    attempt("AssetStore.deleteManifest", () => bucket.delete(`${MANIFESTS}${manifestKey}`)),
});

/** The AssetStore on `bucket`. */
export const cloudflareAssetStoreLayer = (bucket: R2Bucket): Layer.Layer<AssetStore> =>
  Layer.succeed(AssetStore, makeCloudflareAssetStore(bucket));
