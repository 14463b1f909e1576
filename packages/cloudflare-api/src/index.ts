/** Public API of @w7s/cloudflare-api: the Effect-typed Cloudflare REST API client, its schemas and its error. */
export {
  type CloudflareApi,
  type CloudflareApiOptions,
  MODULE_CONTENT_TYPES,
  makeCloudflareApi,
  type WorkerModule,
  type WorkerUpload,
  workerUploadForm,
} from "./client.js";
export { CloudflareApiError, CloudflareApiErrorReason, isNotFound, isRetryable } from "./errors.js";
export { DEFAULT_CLOUDFLARE_API_URL, type RetryOptions } from "./request.js";
export * from "./schemas.js";
export { CloudflareApiClient, cloudflareApiLayer } from "./service.js";
