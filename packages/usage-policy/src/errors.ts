/** The tagged errors this package returns (never throws) for input it cannot use. */
import { Data } from "effect";

/** A usage event that cannot be recorded: its metric name or its time is unusable (F.2). */
export class InvalidUsageEvent extends Data.TaggedError("InvalidUsageEvent")<{
  readonly path: "metric" | "at";
  readonly message: string;
}> {}
