import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { afterBackend, decideRoute, type RouteLookups, stripBaseDomainCookies } from "../index.js";

describe("docs/routing.md example", () => {
  it("runs as documented", () => {
    const indexFile = {
      routePath: "index.html",
      contentType: "text/html; charset=utf-8",
      size: 120,
      etag: "9f2c",
    };
    const lookups: RouteLookups = {
      deployment: ({ environment, owner, repo }) =>
        Effect.succeed(
          environment === "production" && owner === "acme" && repo === "web"
            ? {
                environment,
                orgSlug: owner,
                repoSlug: repo,
                hasBackend: true,
                routing: { defaultDomain: true },
                static: {
                  hasIndex: true,
                  file: (path: string) => (path === "index.html" ? indexFile : undefined),
                },
              }
            : undefined,
        ),
      customDomain: () => Effect.succeed(undefined),
      suspension: () => Effect.succeed(undefined),
    };

    const request = {
      method: "GET",
      url: "https://preview--acme.w7s.cloud/web/settings?tab=2",
      host: "preview--acme.w7s.cloud",
      headers: new Headers({ accept: "text/html" }),
    };
    const decision = Effect.runSync(decideRoute(request, { baseDomain: "w7s.cloud" }, lookups));
    expect(decision).toMatchObject({
      _tag: "Backend",
      served: { environment: "production" },
      dispatch: { url: "https://preview--acme.w7s.cloud/settings?tab=2" },
    });
    const next = decision._tag === "Backend" ? afterBackend(decision, 404) : decision;
    expect(next).toMatchObject({ _tag: "StaticFile", source: "static_fallback", status: 200 });

    const cookies = stripBaseDomainCookies(["sid=1; Domain=.w7s.cloud", "theme=dark"], "w7s.cloud");
    expect(cookies).toStrictEqual(["theme=dark"]);
  });

  it("shows the same code the test runs", () => {
    const docs = readFileSync(new URL("../../docs/routing.md", import.meta.url), "utf8");
    const thisTest = readFileSync(new URL(import.meta.url), "utf8");
    const testLines = new Set(thisTest.split("\n").map((line) => line.trim()));
    const example = /```ts\n([\s\S]*?)\n```/.exec(docs)?.[1] ?? "";
    const exampleLines = example
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("//") && !line.startsWith("import "));
    expect(exampleLines.length).toBeGreaterThan(30);
    expect(exampleLines.filter((line) => !testLines.has(line))).toStrictEqual([]);
  });
});
