import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Manifest } from "./manifestSchema.js";
import { decodeManifest, type ParsedManifest, parseManifest } from "./parseManifest.js";

const accepted = (value: unknown): ParsedManifest => {
  const decoded = decodeManifest(value);
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message);
  return decoded.success;
};
const manifestOf = (value: unknown): Manifest => accepted(value).manifest;

const EMPTY_MANIFEST: Manifest = {
  bindings: { kv: [], fs: [], db: [], durableObjects: [], hyperdrive: [], email: [], ai: [] },
  queues: [],
  schedules: [],
  workflows: [],
  vars: [],
  secrets: [],
  routing: { defaultDomain: true, customDomainBranchMode: "prefixed" },
};

describe("C manifest: missing or empty file", () => {
  it.each([undefined, "", "  \n\t", "{}", "\uFEFF{}"])(
    "%j is the empty manifest with all defaults",
    (text) => {
      expect(parseManifest(text)).toStrictEqual(Result.succeed({ manifest: EMPTY_MANIFEST, warnings: [] }));
    },
  );
});

describe("C manifest: the example manifest", () => {
  const example = `{ "name": "support-api",
    "bindings": { "kv": ["CACHE"], "r2": [{"binding":"FILES","bucket":"my-files"}],
      "d1": [{"binding":"DB","migrations":"migrations"}],
      "durableObjects": [{"binding":"COUNTER","className":"Counter"}],
      "hyperdrive": [{"binding":"PG","id":"hyperdrive-123"}],
      "email": ["EMAIL"], "ai": ["AI"] },
    "queues": ["jobs", {"name":"emails","consumer":"/internal/queues/emails"}],
    "schedules": [{"cron":"*/5 * * * *","path":"/_w7s/schedules/sync"}],
    "workflows": ["process-order"],
    "vars": ["PUBLIC_API_KEY"], "secrets": ["PRIVATE_API_KEY"],
    "queue": {"allow": ["guerrerocarlos/notepad"]}, "workflow": {"allow": []}, "rpc": {"allow": ["w7s-io"]},
    "routing": {"defaultDomain": false, "customDomainBranchMode": "direct"} }`;

  it("is accepted and normalized", () => {
    expect(parseManifest(example)).toStrictEqual(
      Result.succeed({
        manifest: {
          name: "support-api",
          bindings: {
            kv: [{ binding: "CACHE" }],
            fs: [{ binding: "FILES", bucket: "my-files" }],
            db: [{ binding: "DB", migrations: "migrations" }],
            durableObjects: [{ binding: "COUNTER", className: "Counter" }],
            hyperdrive: [{ binding: "PG", id: "hyperdrive-123" }],
            email: [{ binding: "EMAIL" }],
            ai: [{ binding: "AI" }],
          },
          queues: [
            { name: "jobs", consumer: "/_w7s/queues/jobs" },
            { name: "emails", consumer: "/internal/queues/emails" },
          ],
          schedules: [{ cron: "*/5 * * * *", path: "/_w7s/schedules/sync" }],
          workflows: [{ name: "process-order", path: "/_w7s/workflows/process-order" }],
          vars: ["PUBLIC_API_KEY"],
          secrets: ["PRIVATE_API_KEY"],
          queue: { allow: ["guerrerocarlos/notepad"] },
          workflow: { allow: [] },
          rpc: { allow: ["w7s-io"] },
          routing: { defaultDomain: false, customDomainBranchMode: "direct" },
        },
        warnings: [],
      }),
    );
  });
});

describe("C manifest: normalization rules", () => {
  it.each<[string, unknown, Partial<Manifest>]>([
    ["name is trimmed and lowercased", { name: " Support-API " }, { name: "support-api" }],
    [
      "a kv string is its binding",
      { bindings: { kv: ["CACHE"] } },
      { bindings: { ...EMPTY_MANIFEST.bindings, kv: [{ binding: "CACHE" }] } },
    ],
    [
      "kv names are trimmed; blank means absent",
      {
        bindings: {
          kv: [
            { binding: "A", name: " Title " },
            { binding: "B", name: "  " },
          ],
        },
      },
      { bindings: { ...EMPTY_MANIFEST.bindings, kv: [{ binding: "A", name: "Title" }, { binding: "B" }] } },
    ],
    [
      "bucket wins over name",
      {
        bindings: {
          r2: [
            { binding: "A", bucket: " b ", name: "n" },
            { binding: "B", name: "n" },
          ],
        },
      },
      {
        bindings: {
          ...EMPTY_MANIFEST.bindings,
          fs: [
            { binding: "A", bucket: "b" },
            { binding: "B", bucket: "n" },
          ],
        },
      },
    ],
    [
      "d1 fields are trimmed, the migrations folder normalized, the snake-case hint accepted",
      {
        bindings: {
          d1: [
            {
              binding: "DB",
              name: " main ",
              migrations: "./db\\migrations/",
              jurisdiction: " eu ",
              primary_location_hint: "weur",
            },
            { binding: "LOGS", migrations: "  ", jurisdiction: "" },
          ],
        },
      },
      {
        bindings: {
          ...EMPTY_MANIFEST.bindings,
          db: [
            {
              binding: "DB",
              name: "main",
              migrations: "db/migrations",
              jurisdiction: "eu",
              primaryLocationHint: "weur",
            },
            { binding: "LOGS" },
          ],
        },
      },
    ],
    [
      "a Durable Object string is both binding and class; class_name is className",
      { bindings: { durableObjects: ["Counter", { binding: "ROOMS", class_name: "Room" }] } },
      {
        bindings: {
          ...EMPTY_MANIFEST.bindings,
          durableObjects: [
            { binding: "Counter", className: "Counter" },
            { binding: "ROOMS", className: "Room" },
          ],
        },
      },
    ],
    [
      "hyperdrive ids are trimmed",
      { bindings: { hyperdrive: [{ binding: "PG", id: " abc " }] } },
      { bindings: { ...EMPTY_MANIFEST.bindings, hyperdrive: [{ binding: "PG", id: "abc" }] } },
    ],
    [
      "email addresses are trimmed, snake case accepted",
      {
        bindings: {
          email: [
            { binding: "A", destination_address: " a@x.io " },
            {
              binding: "B",
              allowed_destination_addresses: [" b@x.io "],
              allowed_sender_addresses: ["c@x.io"],
            },
          ],
        },
      },
      {
        bindings: {
          ...EMPTY_MANIFEST.bindings,
          email: [
            { binding: "A", destinationAddress: "a@x.io" },
            { binding: "B", allowedDestinationAddresses: ["b@x.io"], allowedSenderAddresses: ["c@x.io"] },
          ],
        },
      },
    ],
    [
      "ai strings and objects",
      { bindings: { ai: ["AI", { binding: "MODEL" }] } },
      { bindings: { ...EMPTY_MANIFEST.bindings, ai: [{ binding: "AI" }, { binding: "MODEL" }] } },
    ],
    [
      "queues get their default consumer; names lowercased; paths trimmed",
      { queues: [" Jobs ", { name: "Emails", consumer: " /q/emails " }, { name: "out", binding: "OUT" }] },
      {
        queues: [
          { name: "jobs", consumer: "/_w7s/queues/jobs" },
          { name: "emails", consumer: "/q/emails" },
          { name: "out", consumer: "/_w7s/queues/out", binding: "OUT" },
        ],
      },
    ],
    [
      "schedules: cron whitespace collapsed, path trimmed",
      { schedules: [{ cron: "  0\t12  * *   1-5 ", path: " /_w7s/schedules/report " }] },
      { schedules: [{ cron: "0 12 * * 1-5", path: "/_w7s/schedules/report" }] },
    ],
    [
      "workflows get their default path; consumer is path; path wins",
      {
        workflows: [
          "Process-Order",
          { name: "b", consumer: "/run/b" },
          { name: "c", path: "/p", consumer: "/q" },
        ],
      },
      {
        workflows: [
          { name: "process-order", path: "/_w7s/workflows/process-order" },
          { name: "b", path: "/run/b" },
          { name: "c", path: "/p" },
        ],
      },
    ],
    [
      "vars and secrets keep their order",
      { vars: ["B", "A"], secrets: ["Z", "Y"] },
      { vars: ["B", "A"], secrets: ["Z", "Y"] },
    ],
    [
      "allow lists are trimmed and lowercased; a missing allow is empty",
      { queue: { allow: [" W7S-IO/Demo "] }, workflow: {}, rpc: { allow: ["Owner"] } },
      { queue: { allow: ["w7s-io/demo"] }, workflow: { allow: [] }, rpc: { allow: ["owner"] } },
    ],
    [
      "routing snake case",
      { routing: { default_domain: false, custom_domain_branch_mode: "direct" } },
      { routing: { defaultDomain: false, customDomainBranchMode: "direct" } },
    ],
    [
      "custom-domain authority: domains and prefixes normalized",
      {
        routing: {
          custom_domain_authority: {
            domains: [" Example.COM. "],
            allow: [
              { repository: " W7S-IO/Docs ", path_prefix: "docs/" },
              { repository: "a/b", pathPrefix: "" },
              { repository: "a/c", pathPrefix: "/a b" },
              { repository: "a/d" },
            ],
          },
        },
      },
      {
        routing: {
          defaultDomain: true,
          customDomainBranchMode: "prefixed",
          customDomainAuthority: {
            domains: ["example.com"],
            allow: [
              { pathPrefix: "/docs", repository: "w7s-io/docs" },
              { pathPrefix: "/", repository: "a/b" },
              { pathPrefix: "/a%20b", repository: "a/c" },
              { pathPrefix: "/", repository: "a/d" },
            ],
          },
        },
      },
    ],
  ])("%s", (_title, value, expected) => {
    expect(manifestOf(value)).toStrictEqual({ ...EMPTY_MANIFEST, ...expected });
  });
});

describe("DECISIONS 1: fs = r2, db = d1, one binding name per app", () => {
  it("accepts both spellings and normalizes to fs and db (documented spelling first)", () => {
    expect(manifestOf({ bindings: { r2: ["B"], fs: ["A"], d1: ["D"], db: ["C"] } }).bindings).toStrictEqual({
      ...EMPTY_MANIFEST.bindings,
      fs: [{ binding: "A" }, { binding: "B" }],
      db: [{ binding: "C" }, { binding: "D" }],
    });
  });

  it("merges every spelling of Durable Objects and email", () => {
    const { bindings } = manifestOf({
      bindings: {
        durable_objects: ["B"],
        durableObjects: ["A"],
        send_email: ["F"],
        sendEmail: ["E"],
        email: ["D"],
      },
    });
    expect(bindings.durableObjects.map((entry) => entry.binding)).toStrictEqual(["A", "B"]);
    expect(bindings.email.map((entry) => entry.binding)).toStrictEqual(["D", "E", "F"]);
  });

  it.each<[string, unknown, string, string]>([
    [
      "kv then fs",
      { kv: ["SHARED"], fs: ["SHARED"] },
      "bindings.fs[0].binding",
      "bindings.fs[0].binding duplicates SHARED.",
    ],
    [
      "fs then r2",
      { fs: ["A"], r2: [{ binding: "A" }] },
      "bindings.r2[0].binding",
      "bindings.r2[0].binding duplicates A.",
    ],
    [
      "db then d1",
      { db: ["A"], d1: ["B", "A"] },
      "bindings.d1[1].binding",
      "bindings.d1[1].binding duplicates A.",
    ],
    [
      "kv twice",
      { kv: ["A", { binding: "A", name: "other" }] },
      "bindings.kv[1].binding",
      "bindings.kv[1].binding duplicates A.",
    ],
    [
      "kv and Durable Object",
      { kv: ["Counter"], durable_objects: ["Counter"] },
      "bindings.durableObjects[0].binding",
      "bindings.durableObjects[0].binding duplicates Counter.",
    ],
    [
      "db and hyperdrive",
      { db: ["PG"], hyperdrive: [{ binding: "PG", id: "x" }] },
      "bindings.hyperdrive[0].binding",
      "bindings.hyperdrive[0].binding duplicates PG.",
    ],
    [
      "r2 and email",
      { r2: ["MAIL"], sendEmail: ["MAIL"] },
      "bindings.email[0].binding",
      "bindings.email[0].binding duplicates MAIL.",
    ],
    [
      "email and ai",
      { email: ["AI"], ai: ["AI"] },
      "bindings.ai[0].binding",
      "bindings.ai[0].binding duplicates AI.",
    ],
  ])("%s is rejected", (_title, declared, path, message) => {
    const decoded = decodeManifest({ bindings: declared });
    expect(Result.isFailure(decoded) && decoded.failure.issues).toStrictEqual([{ path, message }]);
  });

  it("reports every later declaration of a name", () => {
    const decoded = decodeManifest({ bindings: { kv: ["A", "B"], fs: ["A"], ai: ["B", "A"] } });
    expect(Result.isFailure(decoded) && decoded.failure.issues.map((issue) => issue.message)).toStrictEqual([
      "bindings.fs[0].binding duplicates A.",
      "bindings.ai[0].binding duplicates B.",
      "bindings.ai[1].binding duplicates A.",
    ]);
  });
});

describe("DECISIONS 1: unknown keys are warnings", () => {
  const warning = (path: string) => ({
    code: "unknown_manifest_key",
    path,
    message: `w7s.json key ${path} is not recognized and was ignored.`,
  });

  it.each<[string, unknown, readonly string[]]>([
    ["top level", { name: "app", storage: {} }, ["storage"]],
    ["under bindings", { bindings: { kv: ["A"], buckets: ["B"] } }, ["bindings.buckets"]],
    ["in a binding entry", { bindings: { kv: [{ binding: "A", ttl: 5 }] } }, ["bindings.kv[0].ttl"]],
    [
      "in an alias list, as written",
      { bindings: { durable_objects: [{ binding: "A", class_name: "A", x: 1 }] } },
      ["bindings.durable_objects[0].x"],
    ],
    ["in a queue", { queues: ["a", { name: "b", retries: 3 }] }, ["queues[1].retries"]],
    [
      "in a schedule",
      { schedules: [{ cron: "* * * * *", path: "/x", timezone: "UTC" }] },
      ["schedules[0].timezone"],
    ],
    ["in an allow list", { rpc: { allow: [], deny: [] } }, ["rpc.deny"]],
    ["in routing", { routing: { defaultDomain: true, www: true } }, ["routing.www"]],
    [
      "deep in routing",
      { routing: { customDomainAuthority: { allow: [{ repository: "a/b", note: "" }] } } },
      ["routing.customDomainAuthority.allow[0].note"],
    ],
    [
      "several",
      { a: 1, bindings: { b: 1 }, queues: [{ name: "q", c: 1 }] },
      ["a", "bindings.b", "queues[0].c"],
    ],
  ])("%s", (_title, value, paths) => {
    const { warnings } = accepted(value);
    expect([...warnings].sort((left, right) => left.path.localeCompare(right.path))).toStrictEqual(
      [...paths].sort().map(warning),
    );
  });

  it("does not warn about the documented aliases or $schema", () => {
    const { warnings } = accepted({
      $schema: "./node_modules/@w7s/manifest/w7s.schema.json",
      bindings: {
        fs: [{ binding: "A", name: "bucket" }],
        r2: ["B"],
        db: [{ binding: "C", primary_location_hint: "weur" }],
        d1: ["D"],
        durable_objects: [{ binding: "E", class_name: "E" }],
        sendEmail: [{ binding: "F", destination_address: "x@y.io" }],
        send_email: [
          { binding: "G", allowed_destination_addresses: ["x@y.io"], allowed_sender_addresses: [] },
        ],
      },
      workflows: [{ name: "w", consumer: "/w" }],
      routing: {
        default_domain: true,
        custom_domain_branch_mode: "prefixed",
        custom_domain_authority: { domains: [], allow: [{ repository: "a/b", path_prefix: "/" }] },
      },
    });
    expect(warnings).toStrictEqual([]);
  });

  it("a rejected manifest reports errors, not warnings", () => {
    const decoded = decodeManifest({ unknown: true, name: 1 });
    expect(Result.isFailure(decoded) && decoded.failure.issues).toStrictEqual([
      { path: "name", message: "name must be a string." },
    ]);
  });
});

describe("C manifest: properties", () => {
  const bindingName = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,8}$/u);
  const simpleName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/u);
  /** A valid name as a user might write it: maybe uppercased, maybe padded. */
  const looseName = fc
    .tuple(simpleName, fc.constantFrom("", " ", "\t"), fc.boolean())
    .map(([name, pad, upper]) => `${pad}${upper ? name.toUpperCase() : name}${pad}`);
  const uniqueLooseNames = fc.uniqueArray(looseName, {
    maxLength: 3,
    selector: (name) => name.trim().toLowerCase(),
  });
  const absolutePath = fc.stringMatching(/^\/[a-z0-9_-]{0,12}$/u);
  const cron = fc.constantFrom(
    "* * * * *",
    "*/5  * * * *",
    " 0 12 * * 1-5",
    "0 0 13 * 5",
    "15,45 */2 1-15 */3 0,7",
  );
  const bindingKind = fc.constantFrom(
    "kv",
    "fs",
    "r2",
    "db",
    "d1",
    "durableObjects",
    "durable_objects",
    "email",
    "sendEmail",
    "ai",
    "hyperdrive",
  );

  const bindingEntry = (kind: string, name: string, index: number, asObject: boolean): unknown => {
    if (kind === "hyperdrive") return { binding: name, id: ` id-${index} ` };
    if (!asObject) return name;
    if (kind === "durableObjects" || kind === "durable_objects")
      return { binding: name, class_name: `C${index}` };
    return { binding: name };
  };

  /** Raw w7s.json values using every accepted form and spelling, with unique binding and queue names. */
  const rawManifest = fc
    .record({
      bindings: fc.uniqueArray(fc.tuple(bindingName, bindingKind, fc.boolean()), {
        maxLength: 12,
        selector: ([name]) => name,
      }),
      queues: fc.array(fc.option(absolutePath, { nil: undefined }), { maxLength: 3 }),
      queueNames: uniqueLooseNames,
      schedules: fc.uniqueArray(fc.tuple(cron, absolutePath), {
        maxLength: 3,
        selector: ([expression, path]) => `${expression.trim().replace(/\s+/gu, " ")} ${path}`,
      }),
      workflows: uniqueLooseNames,
      allow: fc.array(fc.constantFrom("W7S-IO", " owner/Repo ", "a.b/c_d"), { maxLength: 3 }),
      routing: fc.record(
        { defaultDomain: fc.boolean(), custom_domain_branch_mode: fc.constantFrom("prefixed", "direct") },
        { requiredKeys: [] },
      ),
      name: fc.option(looseName, { nil: undefined }),
    })
    .map((shape) => {
      const bindings: Record<string, unknown[]> = {};
      shape.bindings.forEach(([name, kind, asObject], index) => {
        bindings[kind] = [...(bindings[kind] ?? []), bindingEntry(kind, name, index, asObject)];
      });
      return {
        ...(shape.name === undefined ? {} : { name: shape.name }),
        bindings,
        queues: shape.queueNames.map((name, index) => {
          const consumer = shape.queues[index];
          return consumer === undefined ? name : { name, consumer };
        }),
        schedules: shape.schedules.map(([expression, path]) => ({ cron: expression, path })),
        workflows: shape.workflows,
        rpc: { allow: shape.allow },
        routing: shape.routing,
      };
    });

  it("normalizing a normalized manifest (as JSON) gives the same manifest", () => {
    fc.assert(
      fc.property(rawManifest, (raw) => {
        const first = parseManifest(JSON.stringify(raw));
        if (Result.isFailure(first)) throw new Error(`${first.failure.message} in ${JSON.stringify(raw)}`);
        const second = parseManifest(JSON.stringify(first.success.manifest));
        expect(second).toStrictEqual(Result.succeed({ manifest: first.success.manifest, warnings: [] }));
      }),
      { numRuns: 150 },
    );
  });

  const knownKeys = [
    "name",
    "bindings",
    "queues",
    "schedules",
    "workflows",
    "vars",
    "secrets",
    "queue",
    "workflow",
    "rpc",
    "routing",
  ];
  const bindingKinds = [
    "kv",
    "fs",
    "r2",
    "db",
    "d1",
    "durableObjects",
    "durable_objects",
    "hyperdrive",
    "email",
    "sendEmail",
    "ai",
  ];
  const anyValue = fc.jsonValue({ maxDepth: 3 });
  const entryLike = fc.oneof(
    anyValue,
    fc.dictionary(
      fc.constantFrom(
        "binding",
        "name",
        "bucket",
        "className",
        "class_name",
        "id",
        "consumer",
        "path",
        "cron",
        "allow",
        "migrations",
        "jurisdiction",
      ),
      anyValue,
    ),
  );
  const hostile = fc.oneof(
    anyValue,
    fc.dictionary(fc.constantFrom(...knownKeys), fc.oneof(anyValue, fc.array(entryLike, { maxLength: 3 }))),
    fc.record({
      bindings: fc.dictionary(
        fc.constantFrom(...bindingKinds),
        fc.oneof(anyValue, fc.array(entryLike, { maxLength: 3 })),
      ),
    }),
  );

  it("never throws, and every rejection names its field with a spec message", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const decoded = decodeManifest(value);
        if (Result.isFailure(decoded)) {
          expect(decoded.failure.issues.length).toBeGreaterThan(0);
          expect(decoded.failure.message).toBe(decoded.failure.issues[0]?.message);
          for (const issue of decoded.failure.issues) expect(issue.message).not.toMatch(/is not valid\.$/u);
        }
      }),
      { numRuns: 300 },
    );
  });
});
