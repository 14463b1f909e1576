/** The `Cookie` size guard (cookie bombing, security docs): oversized headers are refused before any app runs. */
import { errorResponse, type JsonResponse } from "../errors/errorResponse.js";
import { RequestHeaderFieldsTooLarge } from "../errors/httpErrors.js";

/** The text of the 431. */
export const COOKIE_TOO_LARGE_MESSAGE = "Cookie header too large.";

/**
 * The 431 answer when the request's `Cookie` header is longer than `limitBytes`, else `undefined`. Header
 * values reach us as one character per byte sent, and several `Cookie` lines count together (a `Headers`
 * object joins them), so the string length is the size on the wire.
 */
export const oversizedCookieAnswer = (
  cookie: string | null | undefined,
  limitBytes: number,
): JsonResponse | undefined => {
  if (cookie === null || cookie === undefined || cookie.length <= limitBytes) return undefined;
  return errorResponse(
    new RequestHeaderFieldsTooLarge({
      message: COOKIE_TOO_LARGE_MESSAGE,
      details: { header: "cookie", limitBytes, receivedBytes: cookie.length },
    }),
  );
};
