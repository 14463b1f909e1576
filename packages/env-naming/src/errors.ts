/** The tagged errors returned (never thrown) when a name given by a user cannot be turned into a slug. */
import { Data } from "effect";

/** An owner, repo, application, queue, workflow or instance name that normalizes to nothing usable (A.1). */
export class InvalidSlug extends Data.TaggedError("InvalidSlug")<{
  readonly path: string;
  readonly message: string;
}> {}

/** An explicit environment override that normalizes to nothing usable (A.1, A.3). */
export class InvalidEnvironment extends Data.TaggedError("InvalidEnvironment")<{
  readonly path: "environment";
  readonly message: "Invalid environment.";
}> {}
