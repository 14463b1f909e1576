import { describe, expect, it } from "vitest";
import { contentTypeFor } from "./contentType.js";

describe("B.11 static content types", () => {
  it.each([
    ["index.html", "text/html; charset=utf-8"],
    ["styles/site.css", "text/css; charset=utf-8"],
    ["assets/app.js", "application/javascript; charset=utf-8"],
    ["assets/app.mjs", "application/javascript; charset=utf-8"],
    ["data.json", "application/json; charset=utf-8"],
    ["assets/app.js.map", "application/json; charset=utf-8"],
    ["logo.svg", "image/svg+xml"],
    ["logo.png", "image/png"],
    ["photo.jpg", "image/jpeg"],
    ["photo.jpeg", "image/jpeg"],
    ["photo.webp", "image/webp"],
    ["anim.gif", "image/gif"],
    ["favicon.ico", "image/x-icon"],
    ["robots.txt", "text/plain; charset=utf-8"],
    ["module.wasm", "application/wasm"],
    ["INDEX.HTML", "text/html; charset=utf-8"],
    ["Photo.JPeG", "image/jpeg"],
    ["font.woff2", "application/octet-stream"],
    ["index.html.gz", "application/octet-stream"],
    ["LICENSE", "application/octet-stream"],
    ["dir.html/README", "application/octet-stream"],
    ["file.", "application/octet-stream"],
    ["x.constructor", "application/octet-stream"],
    [".html", "text/html; charset=utf-8"],
  ])("%s -> %s", (path, contentType) => {
    expect(contentTypeFor(path)).toBe(contentType);
  });
});
