/** The REST client the scripts share, built from the settings, and the translation of its errors for operators. */
import { type CloudflareApi, type CloudflareApiError, makeCloudflareApi } from "@w7s/cloudflare-api";
import { Effect, Option } from "effect";
import { OpsError } from "./errors.js";
import type { OpsSettings } from "./settings.js";

export const apiFor = (settings: OpsSettings): CloudflareApi =>
  makeCloudflareApi({
    accountId: settings.accountId,
    apiToken: settings.apiToken,
    ...(settings.apiBaseUrl === undefined ? {} : { baseUrl: settings.apiBaseUrl }),
  });

/** An API failure as an operator reads it: what we were doing, Cloudflare's words, and what to check. */
export const explain =
  (doing: string) =>
  (error: CloudflareApiError): OpsError => {
    const hint =
      error.status === 401 || error.status === 403
        ? " Check that CLOUDFLARE_API_TOKEN is valid, belongs to CLOUDFLARE_ACCOUNT_ID and has the permissions listed in apps/cloudflare/ops/README.md."
        : "";
    return new OpsError({ message: `${doing}: ${error.message}.${hint}` });
  };

/** The zone's id, or a failure naming W7S_ZONE_NAME when the account has no such zone. */
export const findZone = (api: CloudflareApi, settings: OpsSettings): Effect.Effect<string, OpsError> =>
  api.zones.findByName(settings.zoneName).pipe(
    Effect.mapError(explain(`looking up zone ${settings.zoneName}`)),
    Effect.flatMap((zone) =>
      Option.match(zone, {
        onNone: () =>
          Effect.fail(
            new OpsError({
              message: `W7S_ZONE_NAME is "${settings.zoneName}", but account ${settings.accountId} has no zone of that name: add the zone to the account in Cloudflare, or correct W7S_ZONE_NAME.`,
            }),
          ),
        onSome: (found) => Effect.succeed(found.id),
      }),
    ),
  );
