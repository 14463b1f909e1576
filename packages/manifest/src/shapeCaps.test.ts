import { Result } from "effect";
import { describe, expect, it } from "vitest";
import type { Manifest } from "./manifestSchema.js";
import { parseManifest } from "./parseManifest.js";
import { type DeployShape, FREE_TIER_SHAPE_CAPS, megabytesLabel, shapeCapViolations } from "./shapeCaps.js";

const MIB = 1024 * 1024;

const manifestOf = (value: unknown): Manifest => {
  const parsed = parseManifest(JSON.stringify(value));
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message);
  return parsed.success.manifest;
};

const names = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);

const withinCaps: DeployShape = {
  zipBytes: 25 * MIB,
  uncompressedBytes: 100 * MIB,
  manifest: manifestOf({
    bindings: {
      kv: names("KV", 3),
      fs: names("FS", 3),
      db: names("DB", 2),
      durableObjects: ["A", "B"],
      email: names("E", 2),
    },
    queues: names("q", 2),
    schedules: names("/s", 5).map((path) => ({ cron: "* * * * *", path })),
    workflows: names("w", 5),
  }),
  customDomainRoutes: 3,
  // 1000 files, 100 MiB in all, the largest exactly 10 MiB.
  staticFiles: [
    ...Array.from({ length: 9 }, (_, index) => ({ path: `dist/client/video${index}.mp4`, size: 10 * MIB })),
    { path: "dist/client/app.js", size: 10 * MIB - 991 * 1000 },
    ...Array.from({ length: 990 }, (_, index) => ({ path: `dist/client/${index}.txt`, size: 1000 })),
  ],
  migrations: [
    {
      binding: "DB0",
      files: Array.from({ length: 50 }, (_, index) => ({ path: `m/${index}.sql`, size: 100 })),
    },
  ],
};

describe("B.5 MB label", () => {
  it.each([
    [1, "1 MB"],
    [MIB, "1 MB"],
    [MIB + 1, "2 MB"],
    [25 * MIB, "25 MB"],
    [0, "0 MB"],
  ])("%d bytes -> %s", (bytes, label) => {
    expect(megabytesLabel(bytes)).toBe(label);
  });
});

describe("B.5 free-tier shape caps", () => {
  it("accepts a deploy exactly at every cap", () => {
    expect(shapeCapViolations(withinCaps)).toStrictEqual([]);
  });

  it.each<[string, Partial<DeployShape>, string]>([
    ["zip bytes", { zipBytes: 25 * MIB + 1 }, "Deploy archive exceeds 25 MB."],
    ["uncompressed bytes", { uncompressedBytes: 100 * MIB + 1 }, "Deploy archive expands past 100 MB."],
    [
      "KV bindings",
      { manifest: manifestOf({ bindings: { kv: names("K", 4) } }) },
      "w7s.json declares more than 3 KV bindings.",
    ],
    [
      "fs bindings",
      { manifest: manifestOf({ bindings: { fs: names("F", 2), r2: names("R", 2) } }) },
      "w7s.json declares more than 3 R2 bindings.",
    ],
    [
      "db bindings",
      { manifest: manifestOf({ bindings: { db: names("D", 3) } }) },
      "w7s.json declares more than 2 D1 bindings.",
    ],
    [
      "Durable Object classes",
      { manifest: manifestOf({ bindings: { durableObjects: ["A", "B", "C"] } }) },
      "w7s.json declares more than 2 Durable Object classes.",
    ],
    [
      "email bindings",
      { manifest: manifestOf({ bindings: { email: names("E", 3) } }) },
      "w7s.json declares more than 2 Email bindings.",
    ],
    ["queues", { manifest: manifestOf({ queues: names("q", 3) }) }, "w7s.json declares more than 2 queues."],
    [
      "schedules",
      { manifest: manifestOf({ schedules: names("/s", 6).map((path) => ({ cron: "0 * * * *", path })) }) },
      "w7s.json declares more than 5 schedules.",
    ],
    [
      "workflows",
      { manifest: manifestOf({ workflows: names("w", 6) }) },
      "w7s.json declares more than 5 workflows.",
    ],
    ["custom-domain routes", { customDomainRoutes: 4 }, "CNAME declares more than 3 custom domains."],
    [
      "static files",
      { staticFiles: Array.from({ length: 1001 }, (_, index) => ({ path: `out/${index}`, size: 1 })) },
      "Static output contains more than 1000 files.",
    ],
    [
      "static bytes",
      { staticFiles: names("out/f", 11).map((path) => ({ path, size: 10 * MIB })) },
      "Static output exceeds 100 MB.",
    ],
    [
      "a static file",
      { staticFiles: [{ path: "dist/client/video.mp4", size: 10 * MIB + 1 }] },
      "Static file dist/client/video.mp4 exceeds 10 MB.",
    ],
    [
      "migration files",
      {
        migrations: [
          { binding: "DB", files: names("m/", 51).map((path) => ({ path: `${path}.sql`, size: 1 })) },
        ],
      },
      "D1 migrations for DB contain more than 50 files.",
    ],
    [
      "migration bytes",
      { migrations: [{ binding: "DB", files: [{ path: "m/1.sql", size: 5 * MIB + 1 }] }] },
      "D1 migrations for DB exceed 5 MB.",
    ],
  ])("%s", (_title, change, message) => {
    expect(shapeCapViolations({ ...withinCaps, ...change })).toStrictEqual([message]);
  });

  it("counts Durable Object classes, not bindings", () => {
    const manifest = manifestOf({
      bindings: {
        durableObjects: [{ binding: "A", className: "Room" }, { binding: "B", className: "Room" }, "Counter"],
      },
    });
    expect(shapeCapViolations({ ...withinCaps, manifest })).toStrictEqual([]);
  });

  it("names only the first oversized static file", () => {
    const staticFiles = [
      { path: "a.bin", size: 1 },
      { path: "b.bin", size: 11 * MIB },
      { path: "c.bin", size: 12 * MIB },
    ];
    expect(shapeCapViolations({ ...withinCaps, staticFiles })).toStrictEqual([
      "Static file b.bin exceeds 10 MB.",
    ]);
  });

  it("collects every violation in table order", () => {
    const over: DeployShape = {
      zipBytes: 26 * MIB,
      uncompressedBytes: 101 * MIB,
      manifest: manifestOf({
        bindings: {
          kv: names("K", 4),
          r2: names("R", 4),
          d1: names("D", 3),
          durableObjects: ["A", "B", "C"],
          email: names("E", 3),
        },
        queues: names("q", 3),
        schedules: names("/s", 6).map((path) => ({ cron: "* * * * *", path })),
        workflows: names("w", 6),
      }),
      customDomainRoutes: 4,
      staticFiles: Array.from({ length: 1001 }, (_, index) => ({ path: `s/${index}`, size: 11 * MIB })),
      migrations: [
        { binding: "D0", files: [{ path: "a/1.sql", size: 6 * MIB }] },
        { binding: "D1", files: names("b/", 51).map((path) => ({ path, size: 1 })) },
      ],
    };
    expect(shapeCapViolations(over)).toStrictEqual([
      "Deploy archive exceeds 25 MB.",
      "Deploy archive expands past 100 MB.",
      "w7s.json declares more than 3 KV bindings.",
      "w7s.json declares more than 3 R2 bindings.",
      "w7s.json declares more than 2 D1 bindings.",
      "w7s.json declares more than 2 Durable Object classes.",
      "w7s.json declares more than 2 Email bindings.",
      "w7s.json declares more than 2 queues.",
      "w7s.json declares more than 5 schedules.",
      "w7s.json declares more than 5 workflows.",
      "CNAME declares more than 3 custom domains.",
      "Static output contains more than 1000 files.",
      "Static output exceeds 100 MB.",
      "Static file s/0 exceeds 10 MB.",
      "D1 migrations for D1 contain more than 50 files.",
      "D1 migrations for D0 exceed 5 MB.",
    ]);
  });

  it("derives messages from other caps with the same label rule", () => {
    const caps = { ...FREE_TIER_SHAPE_CAPS, zipBytes: 50 * MIB + 1, kvBindings: 10 };
    const shape = {
      ...withinCaps,
      zipBytes: 60 * MIB,
      manifest: manifestOf({ bindings: { kv: names("K", 11) } }),
    };
    expect(shapeCapViolations(shape, caps)).toStrictEqual([
      "Deploy archive exceeds 51 MB.",
      "w7s.json declares more than 10 KV bindings.",
    ]);
  });
});
