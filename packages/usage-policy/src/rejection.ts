/** The 429 answers limits produce, described as data so each runtime turns them into its own response. */

/** The JSON error envelope every W7S error uses, with limit details. */
export interface LimitErrorBody<Details> {
  readonly status: "error";
  readonly error: string;
  readonly details: Details;
}

/** A 429 answer: `retry-after` seconds plus either a JSON envelope or an HTML page. */
export type LimitRejection<Details> =
  | {
      readonly status: 429;
      readonly retryAfterSeconds: number;
      readonly format: "json";
      readonly body: LimitErrorBody<Details>;
    }
  | {
      readonly status: 429;
      readonly retryAfterSeconds: number;
      readonly format: "html";
      readonly contentType: "text/html; charset=utf-8";
      readonly body: string;
    };

/** A JSON 429 answer. */
export const jsonRejection = <Details>(
  message: string,
  details: Details,
  retryAfterSeconds: number,
): LimitRejection<Details> => ({
  status: 429,
  retryAfterSeconds,
  format: "json",
  body: { status: "error", error: message, details },
});
