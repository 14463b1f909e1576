import { describe, expect, it } from "vitest";
import { decodeRoutePath, shouldServeSpaFallback, staticLookupCandidates } from "./staticPath.js";

describe("D.3 static lookup candidates (DECISIONS 10: percent-decoded first)", () => {
  it.each<[string, string, readonly string[]]>([
    ["the root is the index", "/", ["index.html"]],
    ["an empty path is the index", "", ["index.html"]],
    ["a file, then its folder index", "/app.js", ["app.js", "app.js/index.html"]],
    [
      "a trailing slash tries the folder index, so a zero-byte file of that name never shadows it",
      "/deploy-from-github/",
      ["deploy-from-github/", "deploy-from-github/index.html"],
    ],
    [
      "without the slash the file itself comes first",
      "/deploy-from-github",
      ["deploy-from-github", "deploy-from-github/index.html"],
    ],
    ["%20 is decoded before lookup", "/my%20file.txt", ["my file.txt", "my file.txt/index.html"]],
    ["other escapes are decoded too", "/caf%C3%A9/menu", ["café/menu", "café/menu/index.html"]],
    ["backslashes are slashes", "/a\\b.css", ["a/b.css", "a/b.css/index.html"]],
    ["slash runs collapse", "//a//b.css", ["a/b.css", "a/b.css/index.html"]],
    ["dots inside a name are fine", "/a..b.txt", ["a..b.txt", "a..b.txt/index.html"]],
    ["a `..` segment never matches", "/../secret.txt", []],
    ["an encoded `..` segment never matches", "/x/%2E%2E%2Fsecret.txt", []],
    ["an encoded backslash `..` never matches", "/x/..%5Csecret.txt", []],
    ["a NUL byte never matches", "/secret.txt%00", []],
    ["malformed percent-encoding never matches", "/%E0%A4%A", []],
  ])("%s: %s", (_name, repoPath, expected) => {
    expect(staticLookupCandidates(repoPath)).toStrictEqual(expected);
  });

  it.each<[string, string | undefined]>([
    ["/docs/", "docs/"],
    ["/a%2Fb", "a/b"],
    ["/%", undefined],
    ["/a/../b", undefined],
  ])("decodeRoutePath(%j) is %j", (repoPath, expected) => {
    expect(decodeRoutePath(repoPath)).toBe(expected);
  });
});

describe("D.2 shouldServeSpaFallback", () => {
  it.each<[string, boolean]>([
    ["", true],
    ["/", true],
    ["/dashboard", true],
    ["/users/42/settings", true],
    ["/v1.2/page", true],
    ["/deploy-from-github/", true],
    ["/file.thirteenchars", true],
    ["/app.js", false],
    ["/assets/logo.PNG", false],
    ["/archive.tar.gz", false],
    ["/report.twelvechars", false],
    ["/.env", false],
    ["/.git/config", false],
    ["/static/.hidden/page", false],
    ["/admin", false],
    ["/Admin/users", false],
    ["/cgi-bin/test", false],
    ["/phpMyAdmin/", false],
    ["/vendor/package", false],
    ["/wp", false],
    ["/wp-admin/install", false],
    ["/wp-content/uploads", false],
    ["/wp-includes/js", false],
    ["/WordPress/setup", false],
    ["\\admin", false],
    ["//wp-admin//x", false],
    ["/administrator", true],
  ])("%j -> %s", (path, expected) => {
    expect(shouldServeSpaFallback(path)).toBe(expected);
  });
});
