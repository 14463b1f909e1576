/**
 * `events` of w7s.json: the subjects an app publishes, the subscriptions that route a subject into one of
 * its queues, and the other owners allowed to reach those subscriptions. The subject grammar lives here
 * once, so the platform checks a published subject with the same rule a manifest is checked with.
 */
import { Effect, Schema, SchemaGetter } from "effect";
import { AllowedCaller, ArrayOf, QueueName } from "./fields.js";

/** The longest subject, in characters. */
export const MAX_EVENT_SUBJECT_LENGTH = 128;

/**
 * Dot-separated tokens of letters, digits, `_` or `-` (`orders.created`), checked after trimming; no
 * wildcards, since subscriptions name exact subjects. Both letter cases are spelled out for JSON Schema.
 */
export const EVENT_SUBJECT_PATTERN = new RegExp(
  `^\\s*(?=[^\\s]{1,${MAX_EVENT_SUBJECT_LENGTH}}\\s*$)[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*\\s*$`,
  "u",
);

/** What a subject may be, as the errors of manifests and publish requests say it. */
export const EVENT_SUBJECT_RULE = `dot-separated letters, digits, '_' or '-' (orders.created), at most ${MAX_EVENT_SUBJECT_LENGTH} characters, no wildcards`;

const SUBJECT_MESSAGE = `must be a subject: ${EVENT_SUBJECT_RULE}.`;

/** The subject a publish request or manifest names, trimmed and lowercased, or `undefined` when it is not one. */
export const normalizeEventSubject = (subject: string): string | undefined =>
  EVENT_SUBJECT_PATTERN.test(subject) ? subject.trim().toLowerCase() : undefined;

export const EventSubject = Schema.String.annotate({
  message: "must be a string.",
  description: `An event subject: dot-separated letters, digits, '_' or '-' such as orders.created (trimmed and lowercased, at most ${MAX_EVENT_SUBJECT_LENGTH} characters).`,
})
  .check(Schema.isPattern(EVENT_SUBJECT_PATTERN, { message: SUBJECT_MESSAGE }))
  .pipe(
    Schema.decode({
      decode: SchemaGetter.transform((subject: string) => subject.trim().toLowerCase()),
      encode: SchemaGetter.transform((subject: string) => subject),
    }),
  );

export const EventSubscriptionSchema = Schema.Struct({ subject: Schema.String, queue: Schema.String });
/** One subscription: events published with `subject` are enqueued on the app's queue `queue`. */
export interface EventSubscription extends Schema.Schema.Type<typeof EventSubscriptionSchema> {}

export const EventsSchema = Schema.Struct({
  publish: Schema.Array(Schema.String),
  subscribe: Schema.Array(EventSubscriptionSchema),
  allow: Schema.Array(Schema.String),
});
/** The normalized `events`: every list present, subjects, queues and owners trimmed and lowercased. */
export interface Events extends Schema.Schema.Type<typeof EventsSchema> {}

const OBJECT_REQUIRED = "must be an object.";

const SubscriptionEntry = Schema.Struct({
  subject: EventSubject,
  queue: QueueName("A queue this app declares in queues, which receives the events"),
}).annotate({
  message: OBJECT_REQUIRED,
  description: "A subscription: {subject, queue}; each event published with subject is enqueued on queue.",
});

/** Reports every entry whose key was already used by an earlier entry. */
const noDuplicates = <T>(keyOf: (entry: T) => string) =>
  Schema.makeFilter((entries: readonly T[]) => {
    const seen = new Set<string>();
    const issues: Schema.FilterIssue[] = [];
    for (const [index, entry] of entries.entries()) {
      const key = keyOf(entry);
      if (seen.has(key)) issues.push({ path: [index], issue: `duplicates ${key}.` });
      seen.add(key);
    }
    return issues;
  });

const emptyList = <S extends Schema.Top>(list: S) =>
  list.pipe(Schema.withDecodingDefaultKey(Effect.succeed([] as unknown as S["Encoded"])));

/** The `events` object as written; that each subscription names a declared queue is checked by the manifest. */
export const EventsField = Schema.Struct({
  publish: emptyList(
    ArrayOf(EventSubject, "Subjects this app publishes through W7S_EVENTS.").check(
      noDuplicates((subject: string) => subject),
    ),
  ),
  subscribe: emptyList(
    ArrayOf(SubscriptionEntry, "Subjects this app receives, each on one of its queues.").check(
      noDuplicates((entry: EventSubscription) => `${entry.subject} -> ${entry.queue}`),
    ),
  ),
  allow: emptyList(
    ArrayOf(
      AllowedCaller,
      "GitHub owners or owner/repo pairs of another owner whose events this app's subscriptions receive.",
    ),
  ),
}).annotate({
  message: OBJECT_REQUIRED,
  title: "Events",
  description:
    "Publish/subscribe between apps of one environment: what this app publishes, which queues receive which subjects, and which other owners may reach them (same owner always may).",
});

/** Every subscription whose queue is not one of `queues`, at its path under `events`. */
export const undeclaredSubscriptionQueues = (
  events: Events | undefined,
  queues: readonly { readonly name: string }[],
): Schema.FilterIssue[] => {
  const declared = new Set(queues.map((queue) => queue.name));
  return (events?.subscribe ?? []).flatMap((subscription, index) =>
    declared.has(subscription.queue)
      ? []
      : [
          {
            path: ["events", "subscribe", index, "queue"],
            issue: `must name a queue declared in queues; ${subscription.queue} is not declared.`,
          },
        ],
  );
};
