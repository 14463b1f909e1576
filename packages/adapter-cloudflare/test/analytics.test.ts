/**
 * The AnalyticsSink with `ANALYTICS` bound, inside workerd: each written event becomes one data point in the
 * G.3 layout (limits and defaults included) and still reaches the control-plane object, even when Analytics
 * Engine refuses the point. Miniflare's own Analytics Engine binding keeps nothing to read back, so
 * `ANALYTICS` here is a wrapped binding that keeps the points in the Worker's isolate.
 */
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "./workerHarness.js";

const REFUSED = "acme/refused";

// Throws for the points of one index, as `writeDataPoint` throws for a point the product refuses.
const RECORDER = `
export default function (env) {
  globalThis.__w7sAnalyticsDataPoints ??= [];
  return {
    writeDataPoint(point) {
      if (point?.indexes?.[0] === env.refuseIndex) throw new Error("writeDataPoint(): the point was refused");
      globalThis.__w7sAnalyticsDataPoints.push(JSON.parse(JSON.stringify(point ?? {})));
    },
  };
}
`;

let mf: Miniflare;

const call = async (operation: string, body: unknown = {}) => {
  const response = await mf.dispatchFetch(`http://adapter.test/${operation}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { ok: boolean; error?: string; value?: unknown };
  expect(answer.ok, answer.error).toBe(true);
  return answer.value;
};

interface Point {
  readonly indexes: string[];
  readonly blobs: string[];
  readonly doubles: number[];
}
const points = async () => (await call("analyticsPoints")) as Point[];

beforeAll(async () => {
  const script = await bundleWorker(fileURLToPath(new URL("./fixtures/adapterWorker.ts", import.meta.url)));
  mf = new Miniflare({
    workers: [
      {
        name: "adapter",
        modules: true,
        script,
        compatibilityDate: "2026-06-01",
        compatibilityFlags: ["nodejs_compat"],
        durableObjects: { CONTROL_PLANE: { className: "W7sControlPlane", useSQLite: true } },
        r2Buckets: ["STATIC_ASSETS"],
        wrappedBindings: {
          ANALYTICS: { scriptName: "analytics-recorder", bindings: { refuseIndex: REFUSED } },
        },
      },
      { name: "analytics-recorder", modules: true, script: RECORDER },
    ],
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

const app = (repository: string, environment = "production") => {
  const [orgSlug, repoSlug] = repository.split("/");
  return { repository, environment, orgSlug, repoSlug };
};

describe("AnalyticsSink with Analytics Engine bound", () => {
  it("writes a runtime request as index, 13 blobs and 3 doubles in the G.3 order", async () => {
    await call("writeAnalytics", {
      events: [
        {
          event: "runtime_request",
          ...app("acme/shop"),
          outcome: "error",
          source: "worker:repo-prefix",
          method: "GET",
          host: "acme.example.com",
          path: "/shop/api",
          userAgent: "curl/8",
          colo: "AMS",
          count: 1,
          status: 502,
          durationMs: 12,
        },
      ],
    });
    const written = (await points()).filter((point) => point.indexes[0] === "acme/shop");
    expect(written).toEqual([
      {
        indexes: ["acme/shop"],
        blobs: [
          "runtime_request",
          "acme/shop",
          "production",
          "acme",
          "shop",
          "error",
          "worker:repo-prefix",
          "",
          "GET",
          "acme.example.com",
          "/shop/api",
          "curl/8",
          "AMS",
        ],
        doubles: [1, 502, 12],
      },
    ]);
  });

  it("applies the G.3 limits and defaults: index w7s-core, host fields for requests only, cut blobs, count 1", async () => {
    const long = "x".repeat(2000);
    await call("writeAnalytics", {
      events: [
        {
          event: "rpc",
          outcome: "success",
          source: long,
          host: "ignored.example.com",
          durationMs: Number.NaN,
        },
        { event: "deploy", ...app(`acme/${"r".repeat(120)}`), outcome: "success", method: "POST" },
      ],
    });
    const all = await points();
    const platform = all.find((point) => point.indexes[0] === "w7s-core")!;
    expect(platform.blobs[0]).toBe("rpc");
    expect(platform.blobs[1]).toBe("");
    expect(platform.blobs[6]).toHaveLength(1024);
    expect(platform.blobs.slice(9)).toEqual(["", "", "", ""]);
    // A duration that is not a finite number (NaN arrives through JSON as null) is written as 0.
    expect(platform.doubles).toEqual([1, 0, 0]);
    const deploy = all.find((point) => point.blobs[0] === "deploy")!;
    expect(deploy.indexes[0]).toHaveLength(96);
    expect(deploy.blobs[1]).toHaveLength(125);
    expect(deploy.blobs[8]).toBe("POST");
  });

  it("keeps the event in the control plane when Analytics Engine refuses the point, and the report reads the object", async () => {
    const before = (await points()).length;
    const now = Date.now();
    await call("writeAnalytics", {
      events: [
        {
          event: "queue_send",
          ...app(REFUSED),
          outcome: "success",
          count: 3,
          timestamp: new Date(now).toISOString(),
        },
      ],
    });
    expect((await points()).length).toBe(before);
    const report = (await call("queryAnalytics", {
      query: {
        repository: REFUSED,
        environment: "production",
        from: new Date(now - 60_000).toISOString(),
        to: new Date(now + 60_000).toISOString(),
        bucket: "hour",
        limit: 10,
      },
    })) as { summary: Array<{ event: string; outcome: string; count: number }> };
    expect(report.summary).toEqual([
      expect.objectContaining({ event: "queue_send", outcome: "success", count: 3 }),
    ]);
  });
});
