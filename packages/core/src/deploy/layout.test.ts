import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import {
  type DeployLayout,
  detectLayout,
  ENTRYPOINT_CANDIDATES,
  nativeBackendSkippedWarning,
  noPublishableFilesMessage,
  staticRouteFiles,
} from "./layout.js";

const ENTRYPOINT_LIST =
  "worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs";

const layoutOf = (paths: string[]): DeployLayout => Result.getOrThrow(detectLayout(paths));

const rejectionOf = (paths: string[]) => {
  const layout = detectLayout(paths);
  if (Result.isSuccess(layout)) throw new Error(`expected a rejection, got ${layout.success._tag}`);
  return { status: httpStatusOf(layout.failure), message: layout.failure.message };
};

const summary = (layout: DeployLayout) => ({
  tag: layout._tag,
  entrypoint: "backend" in layout ? layout.backend.entrypoint : null,
  staticRoot: "staticRoot" in layout ? layout.staticRoot.label : null,
  hasIndex: "staticRoot" in layout ? layout.staticRoot.hasIndex : null,
});

describe("B.7 entrypoint detection order (TypeScript first, worker/ before backend/ before dist/server/)", () => {
  it("lists the ten candidates in code order", () => {
    expect(ENTRYPOINT_CANDIDATES).toStrictEqual([
      "worker/index.ts",
      "worker/index.mts",
      "worker/index.js",
      "worker/index.mjs",
      "backend/index.ts",
      "backend/index.mts",
      "backend/index.js",
      "backend/index.mjs",
      "dist/server/index.js",
      "dist/server/index.mjs",
    ]);
  });

  it.each(
    ENTRYPOINT_CANDIDATES.map((candidate, index) => [candidate, ENTRYPOINT_CANDIDATES.slice(index)] as const),
  )("picks %s over every later candidate", (entrypoint, present) => {
    const layout = layoutOf([...present].reverse());
    expect(layout._tag).toBe("Backend");
    expect("backend" in layout && layout.backend).toStrictEqual({
      entrypoint,
      root: entrypoint.slice(0, entrypoint.lastIndexOf("/")),
    });
  });

  it.each([
    ["worker/main.ts", "StaticWithSkippedBackend"],
    ["worker/index.tsx", "StaticWithSkippedBackend"],
    ["worker/src/index.ts", "StaticWithSkippedBackend"],
    ["dist/server/index.ts", "StaticWithSkippedBackend"],
    ["dist/server/index.mts", "StaticWithSkippedBackend"],
    ["backend/index.cjs", "StaticWithSkippedBackend"],
    ["Worker/index.ts", "Static"],
  ])("does not take %s as an entrypoint (beside dist/index.html: %s)", (path, tag) => {
    expect(layoutOf([path, "dist/index.html"])._tag).toBe(tag);
  });
});

describe("B.7 static roots (first accepted wins)", () => {
  it.each<[string, string[], string | null, boolean | null]>([
    ["explicit root without index.html", ["frontend/dist/app.js"], "frontend/dist", false],
    ["frontend/dist with index.html", ["frontend/dist/index.html"], "frontend/dist", true],
    ["frontend/build", ["frontend/build/static/a.css"], "frontend/build", false],
    ["frontend/out", ["frontend/out/index.html"], "frontend/out", true],
    [
      "frontend/dist before frontend/build",
      ["frontend/build/index.html", "frontend/dist/a.js"],
      "frontend/dist",
      false,
    ],
    [
      "frontend/build before frontend/out",
      ["frontend/out/index.html", "frontend/build/a.js"],
      "frontend/build",
      false,
    ],
    [
      "explicit roots before dist/client",
      ["dist/client/index.html", "frontend/out/a.js"],
      "frontend/out",
      false,
    ],
    ["dist/client with index.html", ["dist/client/index.html", "dist/client/a.js"], "dist/client", true],
    ["dist/client before dist", ["dist/client/index.html", "dist/index.html"], "dist/client", true],
    [
      "dist/client without index.html falls through to dist",
      ["dist/client/a.js", "dist/index.html"],
      "dist",
      true,
    ],
    ["dist with index.html", ["dist/index.html", "dist/assets/a.js"], "dist", true],
    ["build with index.html", ["build/index.html"], "build", true],
    ["out with index.html", ["out/index.html"], "out", true],
    ["dist before build", ["build/index.html", "dist/index.html"], "dist", true],
    ["build before out", ["out/index.html", "build/index.html"], "build", true],
    ["dist without index.html is not static output", ["dist/app.js", "out/index.html"], "out", true],
    ["index.html below the root does not count", ["build/sub/index.html", "out/index.html"], "out", true],
    ["a top-level index.html is not a static root", ["index.html", "out/index.html"], "out", true],
  ])("%s", (_, paths, label, hasIndex) => {
    const layout = layoutOf(paths);
    expect([summary(layout).staticRoot, summary(layout).hasIndex]).toStrictEqual([label, hasIndex]);
  });

  it.each([
    ["dist/server", ["dist/server/index.js", "dist/client/assets/app.js"], "dist/server/index.js"],
    ["worker (L.18: any backend)", ["worker/index.ts", "dist/client/assets/app.js"], "worker/index.ts"],
    ["backend (L.18: any backend)", ["backend/index.mjs", "dist/client/app.css"], "backend/index.mjs"],
  ])("accepts an asset-only dist/client beside a %s entrypoint", (_, paths, entrypoint) => {
    expect(summary(layoutOf(paths))).toStrictEqual({
      tag: "Fullstack",
      entrypoint,
      staticRoot: "dist/client",
      hasIndex: false,
    });
  });

  it("does not accept an asset-only dist/client without an entrypoint", () => {
    expect(rejectionOf(["dist/client/assets/app.js"]).message).toBe(
      "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
    );
    expect(rejectionOf(["dist/server/README.md", "dist/client/assets/app.js"]).message).toBe(
      `Native backend deploy requires ${ENTRYPOINT_LIST}.`,
    );
  });
});

describe("B.7 outcome matrix and B.2 row 14", () => {
  it.each<[string, string[], ReturnType<typeof summary>]>([
    [
      "backend + static -> fullstack",
      ["worker/index.ts", "frontend/dist/index.html"],
      { tag: "Fullstack", entrypoint: "worker/index.ts", staticRoot: "frontend/dist", hasIndex: true },
    ],
    [
      "backend only",
      ["backend/index.js", "backend/lib/db.js"],
      { tag: "Backend", entrypoint: "backend/index.js", staticRoot: null, hasIndex: null },
    ],
    [
      "static only",
      ["dist/index.html", "dist/assets/app.js"],
      { tag: "Static", entrypoint: null, staticRoot: "dist", hasIndex: true },
    ],
    [
      "native folder without entrypoint + static -> static with skipped backend",
      ["worker/README.md", "build/index.html"],
      { tag: "StaticWithSkippedBackend", entrypoint: null, staticRoot: "build", hasIndex: true },
    ],
  ])("%s", (_, paths, expected) => {
    expect(summary(layoutOf(paths))).toStrictEqual(expected);
  });

  it("reports no warnings for fullstack, backend and static deploys", () => {
    for (const paths of [["worker/index.ts", "dist/index.html"], ["worker/index.ts"], ["dist/index.html"]]) {
      expect(layoutOf(paths).deploymentWarnings).toStrictEqual([]);
    }
  });

  it.each<[string, string[], string]>([
    [
      "worker/ without entrypoint",
      ["worker/README.md"],
      `Native backend deploy requires ${ENTRYPOINT_LIST}.`,
    ],
    [
      "backend/ without entrypoint",
      ["backend/src/index.ts"],
      `Native backend deploy requires ${ENTRYPOINT_LIST}.`,
    ],
    [
      "dist/server/ without entrypoint",
      ["dist/server/main.js"],
      `Native backend deploy requires ${ENTRYPOINT_LIST}.`,
    ],
    [
      "nothing deployable",
      ["README.md", "src/app.ts"],
      "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
    ],
    [
      "an empty archive",
      [],
      "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
    ],
    [
      "a file named worker is not a folder",
      ["worker", "backend"],
      "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
    ],
  ])("%s -> 400", (_, paths, message) => {
    expect(rejectionOf(paths)).toStrictEqual({ status: 400, message });
  });
});

describe("B.10 native_backend_skipped warning", () => {
  it("is exactly the reference object for one folder", () => {
    const layout = layoutOf(["worker/README.md", "dist/index.html"]);
    expect(layout).toStrictEqual({
      _tag: "StaticWithSkippedBackend",
      staticRoot: { label: "dist", prefix: "dist/", hasIndex: true },
      skippedRoots: ["worker"],
      deploymentWarnings: [
        {
          code: "native_backend_skipped",
          target: "worker",
          message: `worker/ was present, but W7S did not deploy a backend because no supported backend entrypoint was found. The frontend was published normally. Add ${ENTRYPOINT_LIST} to deploy a backend.`,
          requiredEntrypoints: [
            "worker/index.ts",
            "worker/index.mts",
            "worker/index.js",
            "worker/index.mjs",
            "backend/index.ts",
            "backend/index.mts",
            "backend/index.js",
            "backend/index.mjs",
            "dist/server/index.js",
            "dist/server/index.mjs",
          ],
        },
      ],
    });
  });

  it("names every native folder present, in root order", () => {
    const layout = layoutOf(["dist/server/x.js", "backend/y.ts", "worker/z.md", "dist/index.html"]);
    const [warning] = layout.deploymentWarnings;
    expect(warning?.target).toBe("worker, backend, dist/server");
    expect(warning?.message).toBe(
      `worker/, backend/, dist/server/ was present, but W7S did not deploy a backend because no supported backend entrypoint was found. The frontend was published normally. Add ${ENTRYPOINT_LIST} to deploy a backend.`,
    );
  });

  it("falls back to `native backend` when no folder is named", () => {
    const warning = nativeBackendSkippedWarning([]);
    expect(warning.target).toBe("native backend");
    expect(warning.message.startsWith("A native backend folder was present, but W7S")).toBe(true);
  });
});

describe("B.11 static route files", () => {
  it("maps every file under the chosen root to its route path, nothing excluded", () => {
    const paths = [
      "worker/index.ts",
      "frontend/dist/index.html",
      "frontend/dist/assets/app.js",
      "frontend/dist/.well-known/security.txt",
      "frontend/distractor.txt",
      "w7s.json",
    ];
    expect([...staticRouteFiles(layoutOf(paths), paths)]).toStrictEqual([
      ["index.html", "frontend/dist/index.html"],
      ["assets/app.js", "frontend/dist/assets/app.js"],
      [".well-known/security.txt", "frontend/dist/.well-known/security.txt"],
    ]);
  });

  it("publishes nothing for a backend-only layout", () => {
    const paths = ["worker/index.ts", "dist/app.js"];
    expect(staticRouteFiles(layoutOf(paths), paths).size).toBe(0);
  });

  it("names the root in the no-publishable-files text", () => {
    const layout = layoutOf(["dist/client/index.html"]);
    expect("staticRoot" in layout && noPublishableFilesMessage(layout.staticRoot)).toBe(
      "dist/client was present but no publishable files were found.",
    );
  });
});
