/** Public API of @w7s/core: the domain rules, the error model and the ports adapters implement. */
// analytics
export { analyticsAppFields, recordAnalytics } from "./analytics/recordAnalytics.js";
// authorization
export {
  authorizeCall,
  type CallAuthorization,
  type CallAuthorizationRequest,
  type CallDenial,
  type CallGrant,
  type CallParty,
  callForbiddenMessages,
  type InternalCallKind,
} from "./authorization/authorizeCall.js";
// cleanup
export { type CleanupOptions, type CleanupReport, cleanupLockKey, runCleanup } from "./cleanup/cleanup.js";
// cron
export {
  cronMatches,
  dueSchedules,
  InvalidScheduledTime,
  type MinuteFields,
  minuteFields,
  scheduledMinute,
  scheduleMatchesFields,
} from "./cron/cronMatches.js";
// deploy
export { ACTION_EXCLUDE_PATTERNS, isExcludedByAction } from "./deploy/actionArchive.js";
export { activateBackend, activateLiveBackends } from "./deploy/activateBackends.js";
export {
  type ApplicationIdentity,
  type ApplicationIdentityInput,
  applicationIdentityMessages,
  resolveApplicationIdentity,
} from "./deploy/applicationIdentity.js";
export {
  type ArchiveBudget,
  type ArchiveLimits,
  archiveMessages,
  defaultArchiveLimits,
  emptyArchiveError,
  makeArchiveBudget,
  unreadableArchiveError,
} from "./deploy/archiveBudget.js";
export {
  type ArchiveEntryKind,
  archiveEntryMessages,
  checkEntryPath,
  quoteEntryName,
  type StrippedPaths,
  stripCommonRoot,
  UNSTRIPPED_ROOTS,
} from "./deploy/archivePath.js";
export { type ArchiveFiles, readBodyWithinBudget, readDeployArchive } from "./deploy/archiveReader.js";
export {
  BINDING_TOKEN_KINDS,
  type BindingToken,
  base64Url,
  hashBindingToken,
  issueBindingTokens,
} from "./deploy/bindingTokens.js";
export { contentTypeFor, STATIC_CONTENT_TYPES } from "./deploy/contentType.js";
export {
  CNAME_FILES,
  type CustomDomainRouteSpec,
  customDomainMessages,
  customDomainRoutes,
} from "./deploy/customDomains.js";
export {
  customDomainUrl,
  type DeployServices,
  deployApp,
  deployMessages,
  deploymentUrl,
  domainAnswer,
  type FeatureNotProvidedWarning,
  publicRecord,
  unprovidedFeatureWarnings,
  withCustomDomains,
} from "./deploy/deployApp.js";
export {
  type BlockedCustomDomain,
  type BlockedReason,
  type CustomDomainWarning,
  type DomainClaimPlan,
  domainClaimMessages,
  type PlanInput,
  parseTxtAllowList,
  planDomainClaims,
} from "./deploy/domainClaims.js";
export {
  type DeployLayout,
  type DeploymentWarning,
  detectLayout,
  ENTRYPOINT_CANDIDATES,
  ENTRYPOINT_LIST_TEXT,
  layoutMessages,
  NATIVE_ROOTS,
  type NativeBackend,
  type NativeBackendSkippedWarning,
  type NativeRoot,
  nativeBackendSkippedWarning,
  noPublishableFilesMessage,
  type StaticRoot,
  staticRootOf,
  staticRouteFiles,
} from "./deploy/layout.js";
export {
  type BackendModules,
  collectBackendModules,
  importSpecifiers,
  moduleGraphMessages,
} from "./deploy/moduleGraph.js";
export {
  type DeployPreflightError,
  type DeployRequest,
  type DeployRequestInput,
  deployRequestPreflight,
  isZipContentType,
  parseBearerToken,
  preflightMessages,
  REQUIRED_DEPLOY_HEADERS,
  type RequiredDeployHeader,
  type ValueLookup,
} from "./deploy/preflight.js";
export {
  decodeRuntimeValues,
  RUNTIME_VALUE_NAME_PATTERN,
  type RuntimeValuesHeader,
  runtimeValuesMessages,
} from "./deploy/runtimeValues.js";
export {
  applyMigrations,
  migrationFiles,
  type ProvisionedDatabase,
  type ProvisionedStorage,
  provisionStorage,
  storageMessages,
} from "./deploy/storageBindings.js";
export { isTypeScriptModule, stripTypes, typescriptMessages } from "./deploy/typescript.js";
// errors
export {
  type ErrorEnvelope,
  errorBody,
  errorResponse,
  errorResponseFromUnknown,
  httpStatusOf,
  internalErrorMessage,
  isHttpError,
  type JsonResponse,
  jsonContentType,
  type SuccessEnvelope,
  successBody,
  successResponse,
} from "./errors/errorResponse.js";
export {
  BadGateway,
  BadRequest,
  Conflict,
  type ErrorDetails,
  Forbidden,
  type HttpError,
  type HttpErrorFields,
  Internal,
  NotFound,
  PayloadTooLarge,
  PaymentRequired,
  RequestHeaderFieldsTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
} from "./errors/httpErrors.js";
export {
  type AgentApiServices,
  agentDiscovery,
  agentDiscoveryResponse,
  agentManifestSchema,
  agentRepoApi,
  agentTexts,
  customDomainDisplayUrl,
  platformOrigin,
  sanitizeDeployment,
} from "./http/agentApi.js";
// http
export { analyticsApi, analyticsApiMessages } from "./http/analyticsApi.js";
export {
  answerAppRequestSync,
  type SyncAccounted,
  type SyncAnswer,
  type SyncAppAnswer,
  type SyncAppLookups,
  type SyncBackendCall,
} from "./http/answerAppRequestSync.js";
export {
  AgentDiscovery,
  DeploymentHistory,
  ErrorEnvelope as ErrorEnvelopeSchema,
  HistoryEntry,
  RepoDeployments,
  RepoResources,
  RepoRoutes,
  RepoState,
  RollbackRequest,
  RollbackResult,
  SanitizedDeployment,
} from "./http/apiSchemas.js";
// http
export { type EffectRunner, type HttpAppOptions, makeHttpApp, type PlatformServices } from "./http/app.js";
export {
  type AppAnswer,
  applyResponseRules,
  appRequestMessages,
  finalizeAnswer,
  type ResponseHeaderBag,
  routableDeployment,
  runtimeFailureAnswer,
  STATIC_CACHE_HEADER,
  type StaticObjectRead,
  staticFileAnswer,
  staticObjectRead,
  textAnswer,
} from "./http/appAnswers.js";
export {
  type DeploymentHistoryServices,
  historyMessages,
  listDeployments,
  rollbackDeployment,
} from "./http/deploymentHistory.js";
export {
  DEPLOY_STATUS_PATH,
  DEPLOY_STATUS_STAGES,
  type DeployStatusStage,
  deployStatusMessages,
  eventOfStage,
  reportDeployStatus,
} from "./http/deployStatus.js";
export {
  type AppRequestServices,
  appKeyOf,
  finalizeResponse,
  handleAppRequest,
  type ManifestCache,
  makeManifestCache,
} from "./http/handleAppRequest.js";
export { healthBody } from "./http/health.js";
export { landingPage } from "./http/landingPage.js";
export { logsApi, logsApiMessages } from "./http/logsApi.js";
export { API_OPERATIONS, type ApiOperation, openApiDocument } from "./http/openApi.js";
export {
  type GuardVariables,
  markAppAnswer,
  type PlatformGuardOptions,
  platformGuards,
} from "./http/platformGuards.js";
export { type ReadApi, readApiMessages } from "./http/readApiRequest.js";
export { authorizeRepoRequest, parseRepoTarget, type RepoTarget } from "./http/repoRequest.js";
export {
  answerTelegramWebhook,
  deployUrlOf,
  TELEGRAM_SECRET_HEADER,
  TELEGRAM_WEBHOOK_PATH,
  telegramWebhookInfo,
  telegramWebhookMessages,
  updateChatId,
} from "./http/telegramWebhook.js";
export { type TlsHostKind, tlsAsk, tlsAskMessages, tlsHostKind } from "./http/tlsAsk.js";
export { limitsApi, usageApi, usageApiMessages } from "./http/usageApi.js";
// logs
export {
  type CapturedBatch,
  type CaptureOptions,
  type CaptureOutcome,
  captureLogBatches,
  captureLogs,
  clampLogRetention,
  LOG_RETENTION,
  warnDropped,
} from "./logs/captureLogs.js";
export {
  flattenLogMessage,
  makeRedactor,
  normalizeLogValue,
  type ObjectUsage,
  TAIL_LIMITS,
  type TailContext,
  type TailTrace,
  tailRecords,
  tailTexts,
  truncateText,
} from "./logs/tailRecords.js";
// notifications
export {
  type DeliveryReport,
  defaultNotificationDeliveryPolicy,
  deliverNotifications,
  isRetryable,
  type NotificationDeliveryPolicy,
  retryDelayMs,
} from "./notifications/deliverNotifications.js";
export {
  appSuspendedText,
  type DeployFailureFacts,
  type DeployStatusFacts,
  type DeploySuccessFacts,
  deployFailedText,
  deployStatusText,
  deploySuccessText,
  escapeMarkdownV2,
  MAX_MESSAGE_LENGTH,
  startReplyText,
  targetsSummary,
  usageCollectionFailureText,
} from "./notifications/messages.js";
export {
  DEDUPE_SECONDS,
  type DeployNotice,
  failureIsNotified,
  type NotificationServices,
  notificationDedupeKey,
  notifyAppSuspended,
  notifyDeploy,
  notifyUsageCollectionFailure,
  queueNotification,
} from "./notifications/notify.js";
export {
  DEFAULT_SUBSCRIBED_EVENTS,
  isValidChatId,
  parseSubscribedEvents,
  recipientsOf,
  wantsEvent,
} from "./notifications/subscriptions.js";
// platform services (the internal API, E.2-E.7)
export { aiMessages, DEFAULT_AI_MODEL, publicModelName, runAi } from "./platform/ai.js";
export {
  PLATFORM_LOG_RETENTION_SECONDS,
  type PlatformLogEntry,
  recordPlatformLog,
} from "./platform/appLog.js";
export { type Caller, callerMessages, resolveCaller } from "./platform/caller.js";
export {
  EVENTS_PREFIX,
  eventDelivery,
  eventMessages,
  parseEventBody,
  publishEvent,
  reachableSubscriptions,
  subscriptionMappings,
} from "./platform/events.js";
export {
  deliverQueueBatch,
  MAX_QUEUE_DELAY_SECONDS,
  parseQueueDelay,
  type QueueDeliveryOutcome,
  queueMessages,
  readDeadLetters,
  sendQueueMessage,
} from "./platform/queues.js";
export {
  makeInternalApiApp,
  type PlatformServiceRouteOptions,
  type PlatformServiceRunner,
  type PlatformServiceServices,
  platformServiceRoutes,
} from "./platform/routes.js";
export { parseRpcTarget, rpcCall, rpcMessages } from "./platform/rpc.js";
export {
  dispatchScheduledMinute,
  dueMappings,
  SCHEDULE_LOCK_TTL_SECONDS,
  type ScheduleDelivery,
  type ScheduledMinuteReport,
  scheduleLockKey,
  scheduleMessages,
} from "./platform/schedules.js";
export {
  deliverWorkflowInstance,
  startWorkflow,
  type WorkflowStepOutcome,
  workflowMessages,
  workflowStatus,
} from "./platform/workflows.js";
// platform config
export {
  type AiSettings,
  DEFAULT_MANAGER_EVENTS,
  defaultPlatformConfig,
  defaultPlatformServiceLimits,
  defaultSecuritySettings,
  type NotificationSettings,
  type PlatformConfig,
  type PlatformServiceLimits,
} from "./platformConfig.js";
// ports
export { AiProvider, type AiRunRequest } from "./ports/AiProvider.js";
export { AnalyticsSink } from "./ports/AnalyticsSink.js";
export { type AssetMetadata, AssetStore, type ByteRange, type StoredAsset } from "./ports/AssetStore.js";
export {
  BackendBundle,
  BackendModule,
  BackendRuntime,
  type PublishedBackend,
  RuntimeBinding,
} from "./ports/BackendRuntime.js";
export {
  DeploymentStore,
  type DeploymentSwitch,
  type DomainRoute,
  type RepoRef,
  type StoredDeployment,
} from "./ports/DeploymentStore.js";
export { DomainVerifier } from "./ports/DomainVerifier.js";
export { Ids } from "./ports/Ids.js";
export { type LogQuery, LogStore } from "./ports/LogStore.js";
export { NotificationStore } from "./ports/NotificationStore.js";
export { Notifier } from "./ports/Notifier.js";
export {
  DeliveryError,
  type DeliveryErrorReason,
  NotifyError,
  type NotifyErrorReason,
  ProvisionError,
  type ProvisionErrorReason,
  RuntimeError,
  type RuntimeErrorReason,
  StoreError,
  type StoreErrorReason,
  UpstreamError,
  type UpstreamErrorReason,
} from "./ports/PortErrors.js";
export {
  newManagedResource,
  Provisioner,
  type ResourceRequest,
  type SqlMigration,
} from "./ports/Provisioner.js";
export { defaultQueueDeliveryPolicy, QueueBroker, type QueueDeliveryPolicy } from "./ports/QueueBroker.js";
export {
  type RepoAccess,
  type RepoAccessLevel,
  type RepoAccessProof,
  type RepoAccessRequest,
  RepoAuth,
} from "./ports/RepoAuth.js";
export {
  AnalyticsEvent,
  AnalyticsEventName,
  AnalyticsQuery,
  AnalyticsReport,
} from "./ports/records/AnalyticsEvent.js";
export { AppRef } from "./ports/records/AppRef.js";
export {
  BindingTokenEntry,
  BindingTokenKind,
  CustomDomainMapping,
  EventSubscriptionMapping,
  QueueMapping,
  ScheduleMapping,
} from "./ports/records/DeploymentIndexes.js";
export {
  DeploymentBindings,
  DeploymentRecord,
  DeploymentRouting,
  StaticTarget,
  WorkerTarget,
} from "./ports/records/DeploymentRecord.js";
export { EventEnvelope, EventPublisher } from "./ports/records/EventEnvelope.js";
export { LogKind, LogLevel, LogRecord } from "./ports/records/LogRecord.js";
export { ManagedResource, ManagedResourceKind } from "./ports/records/ManagedResource.js";
export {
  ChatLink,
  ChatMessage,
  type ClaimedOutboxMessage,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  type OutboxMessage,
  type SentMessage,
} from "./ports/records/Notification.js";
export type { Page, PageRequest } from "./ports/records/Page.js";
export {
  DeadLetter,
  DeliveredQueueMessage,
  QueueBatch,
  QueueMessageEnvelope,
} from "./ports/records/QueueMessage.js";
export { StaticManifest, StaticManifestEntry } from "./ports/records/StaticManifest.js";
export {
  SuspensionState,
  UsageIncrement,
  UsageLimitWarning,
  UsageMetricTotals,
  UsageRollup,
  UsageSource,
} from "./ports/records/UsageRollup.js";
export {
  WorkflowInstance,
  WorkflowInstanceStatus,
  WorkflowRunState,
} from "./ports/records/WorkflowInstance.js";
export { SchedulerLock } from "./ports/SchedulerLock.js";
export { type StoredPolicyRecord, UsagePolicyStore } from "./ports/UsagePolicyStore.js";
export {
  type BurstCounter,
  type BurstReservation,
  type UsageRollupKey,
  UsageStore,
} from "./ports/UsageStore.js";
export {
  defaultWorkflowRetryPolicy,
  type StoredWorkflowInstance,
  type WorkflowCreation,
  WorkflowEngine,
  type WorkflowRetryPolicy,
  workflowRetryDelaySeconds,
} from "./ports/WorkflowEngine.js";
// routing
export {
  afterBackend,
  backendDispatchTexts,
  backendRequestHeaders,
  PLATFORM_HEADER_PREFIX,
} from "./routing/backendDispatch.js";
export { stripBaseDomainCookies } from "./routing/cookiePolicy.js";
export {
  decideRoute,
  decideRouteSync,
  isCustomDomainCandidate,
  NOT_FOUND_TEXT,
} from "./routing/decideRoute.js";
export {
  deployTargetPage,
  deployTargetResponse,
  deployTargetTexts,
  isSocialPreviewCrawler,
  MINIMAL_DEPLOY_WORKFLOW,
  NO_PREVIEW_ROBOTS,
  noPreviewHeaders,
} from "./routing/deployTarget.js";
export {
  NOT_CONNECTED_JSON_CONTENT_TYPE,
  NOT_CONNECTED_ROBOTS,
  type NotConnectedRequest,
  notConnectedResponse,
  notConnectedTexts,
} from "./routing/notConnected.js";
export {
  type AfterBackendDecision,
  type AppKey,
  accountingSource,
  type BackendDecision,
  type BackendDispatch,
  type BackendNotFoundDecision,
  type Cached,
  type CustomDomainRoute,
  type DeployTarget,
  type DeployTargetDecision,
  type DeployTargetPage,
  type HeaderLookup,
  NotCached,
  type NotConnectedDecision,
  type NotConnectedReason,
  type PlatformDecision,
  type PlatformReason,
  type RepoRootRedirectDecision,
  type RoutableDeployment,
  type RoutableStaticSite,
  type RouteDecision,
  type RoutedResponse,
  type RouteLookups,
  type RouteMount,
  type RouteRequest,
  type RoutingConfig,
  type RuntimeSource,
  SERVED_ENVIRONMENT_HEADER,
  type ServedApp,
  type StaticBody,
  type StaticFileDecision,
  type StaticFileInfo,
  type SuspendedDecision,
  type SuspensionView,
  type SyncRouteLookups,
  type UseBackendResponseDecision,
} from "./routing/routeModel.js";
export {
  isPlatformApiPath,
  isPrivatePath,
  selectCustomDomainRoute,
  stripRoutePrefix,
} from "./routing/routePaths.js";
export { decodeRoutePath, shouldServeSpaFallback, staticLookupCandidates } from "./routing/staticPath.js";
export {
  type ByteRangeOutcome,
  IMMUTABLE_CACHE_CONTROL,
  ifNoneMatchMatches,
  REVALIDATE_CACHE_CONTROL,
  resolveByteRange,
  type StaticAnswer,
  type StaticRequest,
  staticAnswer,
  staticResponseHeaders,
} from "./routing/staticResponse.js";
export {
  type SuspendedRequest,
  suspendedResponse,
  suspensionMessage,
  suspensionRetryAfterSeconds,
  suspensionTexts,
} from "./routing/suspension.js";
// platform config
export {
  type AuthFailureLimiter,
  authFailureMessage,
  clientAddressOf,
  makeAuthFailureLimiter,
} from "./security/authFailures.js";
export { COOKIE_TOO_LARGE_MESSAGE, oversizedCookieAnswer } from "./security/cookieLimit.js";
export {
  applySecurityHeaders,
  PLATFORM_SECURITY_HEADERS,
  withSecurityHeaders,
} from "./security/securityHeaders.js";
// usage limits
export {
  deletePolicyOverride,
  type OverrideChange,
  OverrideRefused,
  type OverrideTarget,
  overrideKey,
  overrideMessages,
  POLICY_SCOPES,
  parseScope,
  policyOverview,
  scopeNeeds,
  setPolicyOverride,
} from "./usage/policyOverrides.js";
export {
  type AccountedResponse,
  checkRuntimeRequests,
  makeRuntimeAccountant,
  outcomeOfStatus,
  type RequestAccounting,
  type RuntimeAccountant,
  type RuntimeAccountantOptions,
  type RuntimeRequestBatch,
  runtimeRequestEvent,
  runtimeUsageOf,
  type ShowcaseRequest,
} from "./usage/runtimeAccounting.js";
export {
  activeSuspension,
  checkBlockedUsageLimit,
  enforceNotSuspended,
  enforceUsageLimit,
  familyRecords,
  liftOperatorSuspension,
  recordUsage,
  suspendByOperator,
  suspendForBlock,
  suspendForLimits,
  suspensionAnswer,
  tooManyRequests,
  type UsageBlock,
  type UsageCheckRequest,
  type UsageRecord,
  usagePolicies,
  usedToday,
} from "./usage/usageLimits.js";

// util
export { memoByText } from "./util/memoByText.js";
