/** The address of one app in one environment, the key most port operations take. */
import { Schema } from "effect";

/** `(environment, orgSlug, repoSlug)`: `repoSlug` is the app-scoped repo slug (B.6). */
export const AppRef = Schema.Struct({
  environment: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
});
export type AppRef = typeof AppRef.Type;
