/** Public API of @w7s/cloudflare-api/stand-in: the local Cloudflare REST API stand-in (Node only). */

export { splitStatements } from "./d1Sql.js";
export {
  type CloudflareApiStandIn,
  type CloudflareApiStandInOptions,
  type ScriptDeleteEvent,
  type ScriptUploadEvent,
  type StandInModule,
  type StandInRequest,
  type StandInScript,
  type StandInState,
  startCloudflareApiStandIn,
} from "./standIn.js";
