/** CLI of `reconcile:cloudflare-routes`. */
import { makeCloudflareApi } from "@w7s/cloudflare-api";
import { Effect } from "effect";
import { operatorSettingsOf } from "../src/ops/prepare.ts";
import { reconcileRoutes } from "../src/ops/reconcileRoutes.ts";

const env = process.env;
const settings = operatorSettingsOf(env);
const api = makeCloudflareApi({
  accountId: env.CLOUDFLARE_ACCOUNT_ID ?? "",
  apiToken: env.CLOUDFLARE_API_TOKEN ?? "",
  baseUrl: env.CLOUDFLARE_API_BASE_URL || undefined,
});
const report = await Effect.runPromise(
  reconcileRoutes(api, {
    zoneName: settings.zoneName,
    coreWorker: settings.coreWorker,
    wildcard: settings.attachWildcardRoute,
  }),
);
console.log(JSON.stringify(report));
