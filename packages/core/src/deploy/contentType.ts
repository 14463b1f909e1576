/** The content type a published static file is stored and served with, by its extension (B.11). */

/** Content types by lowercase extension; anything else is `application/octet-stream`. */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "application/javascript; charset=utf-8",
  mjs: "application/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  wasm: "application/wasm",
};

const FALLBACK_CONTENT_TYPE = "application/octet-stream";

/** The content type of `path`, from the extension of its last segment, compared in lowercase. */
export const contentTypeFor = (path: string): string => {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot < 0) return FALLBACK_CONTENT_TYPE;
  const extension = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(STATIC_CONTENT_TYPES, extension)
    ? (STATIC_CONTENT_TYPES[extension] ?? FALLBACK_CONTENT_TYPE)
    : FALLBACK_CONTENT_TYPE;
};
