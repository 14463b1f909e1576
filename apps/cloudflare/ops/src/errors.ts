/** The one failure of the operator scripts: a sentence for the operator, already naming what to fix. */
import { Schema } from "effect";

export class OpsError extends Schema.TaggedError<OpsError>()("OpsError", {
  message: Schema.String,
}) {}
