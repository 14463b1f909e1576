/** Public API of @w7s/manifest: the w7s.json schema and parser, the cron grammar, and the free-tier shape caps. */
export type {
  AiBinding,
  Bindings,
  DbBinding,
  DurableObjectBinding,
  EmailBinding,
  FsBinding,
  HyperdriveBinding,
  KvBinding,
} from "./bindingsSchema.js";
export { type CronSchedule, collapseCronWhitespace, InvalidCron, parseCron } from "./cron.js";
export {
  EVENT_SUBJECT_PATTERN,
  EVENT_SUBJECT_RULE,
  type EventSubscription,
  type Events,
  MAX_EVENT_SUBJECT_LENGTH,
  normalizeEventSubject,
} from "./eventsSchema.js";
export type { ManifestIssue } from "./issues.js";
export { type JsonSchemaDocument, manifestJsonSchema, manifestJsonSchemaText } from "./jsonSchema.js";
export {
  type AllowList,
  DEFAULT_QUEUE_CONSUMER_PREFIX,
  DEFAULT_WORKFLOW_PATH_PREFIX,
  type Manifest,
  ManifestFileSchema,
  ManifestSchema,
  type Queue,
  type Schedule,
  type Workflow,
} from "./manifestSchema.js";
export {
  decodeManifest,
  ManifestError,
  type ManifestWarning,
  type ParsedManifest,
  parseManifest,
} from "./parseManifest.js";
export { d1MigrationFiles, normalizePathPrefix } from "./paths.js";
export type { CustomDomainAuthority, CustomDomainAuthorityRule, Routing } from "./routingSchema.js";
export {
  type ArchiveFile,
  type DeployShape,
  FREE_TIER_SHAPE_CAPS,
  megabytesLabel,
  type ShapeCaps,
  shapeCapViolations,
} from "./shapeCaps.js";
