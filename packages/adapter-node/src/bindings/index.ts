/** The bindings host and its storage gateways (KV, object storage, SQL databases), for the workerd runtime. */
export { D1_SQLITE_LIMITS, d1Messages, MAX_DUMP_BYTES, MAX_RESULT_BYTES } from "./db/d1Database.js";
export {
  BOOKMARK_HEADER,
  type DbGatewayOptions,
  DEFAULT_SQL_TIME_LIMIT_MS,
  dbMessages,
  MAX_DB_BODY_BYTES,
  makeDbGateway,
} from "./db/dbGateway.js";
export { sqlExecutorMessages } from "./db/sqlExecutors.js";
export { type FsGatewayOptions, makeFsGateway } from "./fs/fsGateway.js";
export { FS_LIMITS, type FsLimits } from "./fs/r2Errors.js";
export {
  answerFailure,
  type BindingGateway,
  GatewayFailure,
  type GatewayRequest,
  type UsageEvent,
  type UsageSink,
} from "./gateway.js";
export {
  type BindingGrant,
  GRANT_HEADER,
  type GrantedKind,
  type GrantSigner,
  makeGrantSigner,
} from "./grants.js";
export { type BindingsHost, type BindingsHostOptions, startBindingsHost } from "./host.js";
export { KV_LIMITS, kvMessages, makeKvGateway } from "./kv/kvGateway.js";
export {
  bucketDirectory,
  databaseFile,
  kvNamespaceFile,
  objectsDirectory,
  storageRoot,
} from "./layout.js";
export {
  makeResourceDatabases,
  openResourceDatabase,
  openSqliteFile,
  type ResourceDatabase,
} from "./sqliteFiles.js";
