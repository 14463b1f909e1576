/** The client as an Effect service, for code that takes its Cloudflare access from the context. */
import { Context, Layer } from "effect";
import { type CloudflareApi, type CloudflareApiOptions, makeCloudflareApi } from "./client.js";

export class CloudflareApiClient extends Context.Service<CloudflareApiClient, CloudflareApi>()(
  "@w7s/cloudflare-api/CloudflareApiClient",
) {}

/** A Layer providing `CloudflareApiClient` made from `options`. */
export const cloudflareApiLayer = (options: CloudflareApiOptions): Layer.Layer<CloudflareApiClient> =>
  Layer.succeed(CloudflareApiClient, makeCloudflareApi(options));
