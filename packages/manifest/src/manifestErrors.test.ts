import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { decodeManifest, parseManifest } from "./parseManifest.js";

/** The issues of a rejected manifest (and a clear failure when it was accepted). */
const issuesOf = (value: unknown) => {
  const decoded = decodeManifest(value);
  if (Result.isSuccess(decoded)) throw new Error(`accepted: ${JSON.stringify(value)}`);
  return decoded.failure.issues;
};

const bindings = (value: unknown) => ({ bindings: value });
const authority = (value: unknown) => ({ routing: { customDomainAuthority: value } });

describe("C manifest: parse errors", () => {
  it.each([
    ["[]", "w7s.json must be an object."],
    ["null", "w7s.json must be an object."],
    ["5", "w7s.json must be an object."],
    ['"text"', "w7s.json must be an object."],
  ])("%s -> %s", (text, message) => {
    const parsed = parseManifest(text);
    expect(Result.isFailure(parsed) && parsed.failure).toMatchObject({
      _tag: "ManifestError",
      message,
      issues: [{ path: "", message }],
    });
  });

  it.each(["{x", '{"name": "a",}', "{'a': 1}"])(
    "invalid JSON %s -> Invalid w7s.json: <parser message>",
    (text) => {
      let parserMessage = "";
      try {
        JSON.parse(text);
      } catch (error) {
        parserMessage = (error as Error).message;
      }
      const parsed = parseManifest(text);
      expect(Result.isFailure(parsed) && parsed.failure.message).toBe(`Invalid w7s.json: ${parserMessage}`);
    },
  );
});

describe("C manifest: every validation message, with its field path", () => {
  it.each<[string, unknown, string, string]>([
    // name
    ["name: number", { name: 3 }, "name", "name must be a string."],
    ["name: bad characters", { name: "my app" }, "name", "name must be a valid queue name."],
    ["name: empty", { name: "" }, "name", "name must be a valid queue name."],
    ["name: too long", { name: "a".repeat(101) }, "name", "name must be a valid queue name."],
    // bindings
    ["bindings: array", { bindings: [] }, "bindings", "bindings must be an object."],
    ["bindings: null", { bindings: null }, "bindings", "bindings must be an object."],
    // kv
    ["kv: not array", bindings({ kv: "CACHE" }), "bindings.kv", "bindings.kv must be an array."],
    [
      "kv: bad name",
      bindings({ kv: ["1CACHE"] }),
      "bindings.kv[0]",
      "bindings.kv[0] must be a valid Worker binding name.",
    ],
    [
      "kv: untrimmed",
      bindings({ kv: [" CACHE"] }),
      "bindings.kv[0]",
      "bindings.kv[0] must be a valid Worker binding name.",
    ],
    ["kv: number", bindings({ kv: ["A", 5] }), "bindings.kv[1]", "bindings.kv[1] must be an object."],
    ["kv: null", bindings({ kv: [null] }), "bindings.kv[0]", "bindings.kv[0] must be an object."],
    ["kv: array entry", bindings({ kv: [["A"]] }), "bindings.kv[0]", "bindings.kv[0] must be an object."],
    [
      "kv: no binding",
      bindings({ kv: [{}] }),
      "bindings.kv[0].binding",
      "bindings.kv[0].binding must be a valid Worker binding name.",
    ],
    [
      "kv: bad binding",
      bindings({ kv: [{ binding: "a-b" }] }),
      "bindings.kv[0].binding",
      "bindings.kv[0].binding must be a valid Worker binding name.",
    ],
    [
      "kv: name",
      bindings({ kv: [{ binding: "A", name: 1 }] }),
      "bindings.kv[0].name",
      "bindings.kv[0].name must be a string.",
    ],
    // r2 / fs
    ["r2: not array", bindings({ r2: {} }), "bindings.r2", "bindings.r2 must be an array."],
    ["r2: number", bindings({ r2: [1] }), "bindings.r2[0]", "bindings.r2[0] must be an object."],
    [
      "r2: bad name",
      bindings({ r2: ["my-bucket"] }),
      "bindings.r2[0]",
      "bindings.r2[0] must be a valid Worker binding name.",
    ],
    [
      "r2: bucket",
      bindings({ r2: [{ binding: "F", bucket: 1 }] }),
      "bindings.r2[0].bucket",
      "bindings.r2[0].bucket must be a string.",
    ],
    [
      "r2: name reported as bucket",
      bindings({ r2: [{ binding: "F", name: 1 }] }),
      "bindings.r2[0].bucket",
      "bindings.r2[0].bucket must be a string.",
    ],
    [
      "fs: name reported as bucket",
      bindings({ fs: [{ binding: "F", name: 1 }] }),
      "bindings.fs[0].bucket",
      "bindings.fs[0].bucket must be a string.",
    ],
    [
      "fs: binding",
      bindings({ fs: [{}] }),
      "bindings.fs[0].binding",
      "bindings.fs[0].binding must be a valid Worker binding name.",
    ],
    // d1 / db
    ["d1: not array", bindings({ d1: "DB" }), "bindings.d1", "bindings.d1 must be an array."],
    [
      "d1: jurisdiction",
      bindings({ d1: [{ binding: "DB", jurisdiction: "us" }] }),
      "bindings.d1[0].jurisdiction",
      "bindings.d1[0].jurisdiction must be eu or fedramp.",
    ],
    [
      "d1: jurisdiction type",
      bindings({ d1: [{ binding: "DB", jurisdiction: 1 }] }),
      "bindings.d1[0].jurisdiction",
      "bindings.d1[0].jurisdiction must be a string.",
    ],
    [
      "d1: name",
      bindings({ d1: [{ binding: "DB", name: false }] }),
      "bindings.d1[0].name",
      "bindings.d1[0].name must be a string.",
    ],
    [
      "d1: migrations type",
      bindings({ d1: [{ binding: "DB", migrations: 1 }] }),
      "bindings.d1[0].migrations",
      "bindings.d1[0].migrations must be a string.",
    ],
    [
      "d1: migrations root",
      bindings({ d1: [{ binding: "DB", migrations: "/" }] }),
      "bindings.d1[0].migrations",
      "Invalid D1 migrations directory: /",
    ],
    [
      "d1: migrations dots",
      bindings({ d1: [{ binding: "DB", migrations: "./.." }] }),
      "bindings.d1[0].migrations",
      "Invalid D1 migrations directory: ./..",
    ],
    [
      "d1: location hint alias",
      bindings({ d1: [{ binding: "DB", primary_location_hint: 1 }] }),
      "bindings.d1[0].primaryLocationHint",
      "bindings.d1[0].primaryLocationHint must be a string.",
    ],
    [
      "db: bad name",
      bindings({ db: ["9DB"] }),
      "bindings.db[0]",
      "bindings.db[0] must be a valid Worker binding name.",
    ],
    // durable objects
    [
      "durableObjects: not array",
      bindings({ durableObjects: "Counter" }),
      "bindings.durableObjects",
      "bindings.durableObjects must be an array.",
    ],
    [
      "durable_objects: not array",
      bindings({ durable_objects: "Counter" }),
      "bindings.durableObjects",
      "bindings.durableObjects must be an array.",
    ],
    [
      "durableObjects: string form",
      bindings({ durableObjects: ["1Counter"] }),
      "bindings.durableObjects[0]",
      "bindings.durableObjects[0] must be a JavaScript class name.",
    ],
    [
      "durableObjects: className",
      bindings({ durableObjects: [{ binding: "C", className: "my-class" }] }),
      "bindings.durableObjects[0].className",
      "bindings.durableObjects[0].className must be a JavaScript class name.",
    ],
    [
      "durableObjects: class_name",
      bindings({ durableObjects: [{ binding: "C", class_name: "my-class" }] }),
      "bindings.durableObjects[0].className",
      "bindings.durableObjects[0].className must be a JavaScript class name.",
    ],
    [
      "durable_objects: class_name",
      bindings({ durable_objects: [{ binding: "C", class_name: 1 }] }),
      "bindings.durableObjects[0].className",
      "bindings.durableObjects[0].className must be a JavaScript class name.",
    ],
    [
      "durableObjects: no class",
      bindings({ durableObjects: [{ binding: "C" }] }),
      "bindings.durableObjects[0].className",
      "bindings.durableObjects[0].className must be a JavaScript class name.",
    ],
    [
      "durableObjects: binding",
      bindings({ durableObjects: [{ className: "C" }] }),
      "bindings.durableObjects[0].binding",
      "bindings.durableObjects[0].binding must be a valid Worker binding name.",
    ],
    [
      "durableObjects: number",
      bindings({ durableObjects: [7] }),
      "bindings.durableObjects[0]",
      "bindings.durableObjects[0] must be an object.",
    ],
    [
      "durableObjects: duplicate",
      bindings({ durableObjects: ["Counter", { binding: "Counter", className: "Other" }] }),
      "bindings.durableObjects[1].binding",
      "bindings.durableObjects[1].binding duplicates Counter.",
    ],
    // hyperdrive
    [
      "hyperdrive: not array",
      bindings({ hyperdrive: {} }),
      "bindings.hyperdrive",
      "bindings.hyperdrive must be an array.",
    ],
    [
      "hyperdrive: string",
      bindings({ hyperdrive: ["PG"] }),
      "bindings.hyperdrive[0]",
      "bindings.hyperdrive[0] must be an object.",
    ],
    [
      "hyperdrive: no id",
      bindings({ hyperdrive: [{ binding: "PG" }] }),
      "bindings.hyperdrive[0].id",
      "bindings.hyperdrive[0].id must be a string.",
    ],
    [
      "hyperdrive: id type",
      bindings({ hyperdrive: [{ binding: "PG", id: 12 }] }),
      "bindings.hyperdrive[0].id",
      "bindings.hyperdrive[0].id must be a string.",
    ],
    [
      "hyperdrive: blank id",
      bindings({ hyperdrive: [{ binding: "PG", id: "  " }] }),
      "bindings.hyperdrive[0].id",
      "bindings.hyperdrive[0].id must not be empty.",
    ],
    [
      "hyperdrive: binding",
      bindings({ hyperdrive: [{ id: "x" }] }),
      "bindings.hyperdrive[0].binding",
      "bindings.hyperdrive[0].binding must be a valid Worker binding name.",
    ],
    [
      "hyperdrive: duplicate",
      bindings({
        hyperdrive: [
          { binding: "PG", id: "a" },
          { binding: "PG", id: "b" },
        ],
      }),
      "bindings.hyperdrive[1].binding",
      "bindings.hyperdrive[1].binding duplicates PG.",
    ],
    // email
    ["email: not array", bindings({ email: "EMAIL" }), "bindings.email", "bindings.email must be an array."],
    [
      "sendEmail: not array",
      bindings({ sendEmail: "EMAIL" }),
      "bindings.email",
      "bindings.email must be an array.",
    ],
    [
      "email: both",
      bindings({
        email: [{ binding: "E", destinationAddress: "a@x.io", allowedDestinationAddresses: ["b@x.io"] }],
      }),
      "bindings.email[0]",
      "bindings.email[0] must have either destinationAddress or allowedDestinationAddresses, not both.",
    ],
    [
      "email: both, snake case",
      bindings({
        send_email: [
          { binding: "E", destination_address: "a@x.io", allowed_destination_addresses: ["b@x.io"] },
        ],
      }),
      "bindings.email[0]",
      "bindings.email[0] must have either destinationAddress or allowedDestinationAddresses, not both.",
    ],
    [
      "email: list type",
      bindings({ email: [{ binding: "E", allowedDestinationAddresses: "b@x.io" }] }),
      "bindings.email[0].allowedDestinationAddresses",
      "bindings.email[0].allowedDestinationAddresses must be an array.",
    ],
    [
      "email: blank address",
      bindings({ email: [{ binding: "E", allowedDestinationAddresses: ["a@x.io", " "] }] }),
      "bindings.email[0].allowedDestinationAddresses[1]",
      "bindings.email[0].allowedDestinationAddresses[1] must not be empty.",
    ],
    [
      "email: snake list",
      bindings({ sendEmail: [{ binding: "E", allowed_destination_addresses: [""] }] }),
      "bindings.email[0].allowedDestinationAddresses[0]",
      "bindings.email[0].allowedDestinationAddresses[0] must not be empty.",
    ],
    [
      "email: sender type",
      bindings({ email: [{ binding: "E", allowed_sender_addresses: [1] }] }),
      "bindings.email[0].allowedSenderAddresses[0]",
      "bindings.email[0].allowedSenderAddresses[0] must be a string.",
    ],
    [
      "email: destination type",
      bindings({ email: [{ binding: "E", destination_address: 1 }] }),
      "bindings.email[0].destinationAddress",
      "bindings.email[0].destinationAddress must be a string.",
    ],
    [
      "email: duplicate",
      bindings({ send_email: ["E", "E"] }),
      "bindings.email[1].binding",
      "bindings.email[1].binding duplicates E.",
    ],
    // ai
    ["ai: not array", bindings({ ai: "AI" }), "bindings.ai", "bindings.ai must be an array."],
    [
      "ai: binding",
      bindings({ ai: [{ binding: 1 }] }),
      "bindings.ai[0].binding",
      "bindings.ai[0].binding must be a valid Worker binding name.",
    ],
    [
      "ai: duplicate",
      bindings({ ai: ["AI", { binding: "AI" }] }),
      "bindings.ai[1].binding",
      "bindings.ai[1].binding duplicates AI.",
    ],
    // queues
    ["queues: not array", { queues: "jobs" }, "queues", "queues must be an array."],
    ["queues: bad name", { queues: ["my jobs"] }, "queues[0]", "queues[0] must be a valid queue name."],
    ["queues: number", { queues: [1] }, "queues[0]", "queues[0] must be an object."],
    [
      "queues: object name",
      { queues: [{ name: "-jobs" }] },
      "queues[0].name",
      "queues[0].name must be a valid queue name.",
    ],
    [
      "queues: no name",
      { queues: [{ consumer: "/q" }] },
      "queues[0].name",
      "queues[0].name must be a string.",
    ],
    [
      "queues: consumer relative",
      { queues: ["a", { name: "b", consumer: "q" }] },
      "queues[1].consumer",
      "queues[1].consumer must be an absolute path.",
    ],
    [
      "queues: consumer //",
      { queues: [{ name: "b", consumer: "//q" }] },
      "queues[0].consumer",
      "queues[0].consumer must be an absolute path.",
    ],
    [
      "queues: consumer type",
      { queues: [{ name: "b", consumer: 1 }] },
      "queues[0].consumer",
      "queues[0].consumer must be a string.",
    ],
    [
      "queues: binding",
      { queues: [{ name: "b", binding: "my-queue" }] },
      "queues[0].binding",
      "queues[0].binding must be a valid Worker binding name.",
    ],
    [
      "queues: duplicate",
      { queues: ["jobs", { name: " JOBS " }] },
      "queues[1]",
      "queues[1] duplicates jobs.",
    ],
    // schedules
    ["schedules: not array", { schedules: {} }, "schedules", "schedules must be an array."],
    ["schedules: string", { schedules: ["* * * * *"] }, "schedules[0]", "schedules[0] must be an object."],
    [
      "schedules: no cron",
      { schedules: [{ path: "/x" }] },
      "schedules[0].cron",
      "schedules[0].cron must be a string.",
    ],
    [
      "schedules: cron type",
      { schedules: [{ cron: 5, path: "/x" }] },
      "schedules[0].cron",
      "schedules[0].cron must be a string.",
    ],
    [
      "schedules: cron fields",
      { schedules: [{ cron: "* * * *", path: "/x" }] },
      "schedules[0].cron",
      "Cron expressions must have five fields.",
    ],
    [
      "schedules: cron range",
      { schedules: [{ cron: "*/60 * * * *", path: "/x" }] },
      "schedules[0].cron",
      'Cron field "*/60" must be between 0 and 59.',
    ],
    [
      "schedules: cron name",
      { schedules: [{ cron: "0 0 * * MON", path: "/x" }] },
      "schedules[0].cron",
      'Invalid cron field "MON".',
    ],
    [
      "schedules: no path",
      { schedules: [{ cron: "* * * * *" }] },
      "schedules[0].path",
      "schedules[0].path must be a string.",
    ],
    [
      "schedules: relative path",
      { schedules: [{ cron: "* * * * *", path: "sync" }] },
      "schedules[0].path",
      "schedules[0].path must be an absolute path.",
    ],
    [
      "schedules: duplicate",
      {
        schedules: [
          { cron: "*/5 * * * *", path: "/a" },
          { cron: " */5  * * * * ", path: " /a" },
        ],
      },
      "schedules[1]",
      "schedules[1] duplicates */5 * * * * /a.",
    ],
    // workflows
    ["workflows: not array", { workflows: "flow" }, "workflows", "workflows must be an array."],
    [
      "workflows: bad name",
      { workflows: ["a b"] },
      "workflows[0]",
      "workflows[0] must be a valid queue name.",
    ],
    [
      "workflows: name type",
      { workflows: [{ name: 1 }] },
      "workflows[0].name",
      "workflows[0].name must be a string.",
    ],
    [
      "workflows: path",
      { workflows: [{ name: "w", path: "run" }] },
      "workflows[0].path",
      "workflows[0].path must be an absolute path.",
    ],
    [
      "workflows: consumer as path",
      { workflows: [{ name: "w", consumer: "run" }] },
      "workflows[0].path",
      "workflows[0].path must be an absolute path.",
    ],
    [
      "workflows: duplicate",
      { workflows: ["flow", { name: "Flow" }] },
      "workflows[1]",
      "workflows[1] duplicates flow.",
    ],
    // vars, secrets
    ["vars: not array", { vars: "A" }, "vars", "vars must be an array."],
    [
      "vars: bad name",
      { vars: ["A", "1A"] },
      "vars[1]",
      "vars[1] must be a valid environment variable name.",
    ],
    ["vars: number", { vars: [1] }, "vars[0]", "vars[0] must be a valid environment variable name."],
    ["secrets: not array", { secrets: {} }, "secrets", "secrets must be an array."],
    [
      "secrets: bad name",
      { secrets: ["API-KEY"] },
      "secrets[0]",
      "secrets[0] must be a valid environment variable name.",
    ],
    // allow lists
    ...(["queue", "workflow", "rpc"] as const).flatMap((key): [string, unknown, string, string][] => [
      [`${key}: array`, { [key]: [] }, key, `${key} must be an object.`],
      [
        `${key}.allow: not array`,
        { [key]: { allow: "w7s-io" } },
        `${key}.allow`,
        `${key}.allow must be an array.`,
      ],
      [
        `${key}.allow: number`,
        { [key]: { allow: [1] } },
        `${key}.allow[0]`,
        `${key}.allow[0] must be a string.`,
      ],
      [
        `${key}.allow: three parts`,
        { [key]: { allow: ["a/b/c"] } },
        `${key}.allow[0]`,
        `${key}.allow[0] must be a GitHub owner or owner/repo.`,
      ],
      [
        `${key}.allow: blank`,
        { [key]: { allow: [" "] } },
        `${key}.allow[0]`,
        `${key}.allow[0] must be a GitHub owner or owner/repo.`,
      ],
    ]),
    // routing
    ["routing: array", { routing: [] }, "routing", "routing must be an object."],
    [
      "routing.defaultDomain",
      { routing: { defaultDomain: "no" } },
      "routing.defaultDomain",
      "routing.defaultDomain must be a boolean.",
    ],
    [
      "routing.default_domain",
      { routing: { default_domain: 0 } },
      "routing.defaultDomain",
      "routing.defaultDomain must be a boolean.",
    ],
    [
      "routing.customDomainBranchMode",
      { routing: { customDomainBranchMode: "other" } },
      "routing.customDomainBranchMode",
      "routing.customDomainBranchMode must be prefixed or direct.",
    ],
    [
      "routing.custom_domain_branch_mode",
      { routing: { custom_domain_branch_mode: "Direct" } },
      "routing.customDomainBranchMode",
      "routing.customDomainBranchMode must be prefixed or direct.",
    ],
    [
      "authority: array",
      authority([]),
      "routing.customDomainAuthority",
      "routing.customDomainAuthority must be an object.",
    ],
    [
      "authority: snake case",
      { routing: { custom_domain_authority: "x" } },
      "routing.customDomainAuthority",
      "routing.customDomainAuthority must be an object.",
    ],
    [
      "authority.domains: not array",
      authority({ domains: "a.io" }),
      "routing.customDomainAuthority.domains",
      "routing.customDomainAuthority.domains must be an array.",
    ],
    [
      "authority.domains: number",
      authority({ domains: [1] }),
      "routing.customDomainAuthority.domains[0]",
      "routing.customDomainAuthority.domains[0] must be a string.",
    ],
    [
      "authority.domains: empty",
      authority({ domains: [""] }),
      "routing.customDomainAuthority.domains[0]",
      "routing.customDomainAuthority.domains[0] must be a hostname.",
    ],
    [
      "authority.domains: dot",
      authority({ domains: [" . "] }),
      "routing.customDomainAuthority.domains[0]",
      "routing.customDomainAuthority.domains[0] must be a hostname.",
    ],
    [
      "authority.domains: slash",
      authority({ domains: ["a.io/x"] }),
      "routing.customDomainAuthority.domains[0]",
      "routing.customDomainAuthority.domains[0] must be a hostname.",
    ],
    [
      "authority.domains: star",
      authority({ domains: ["*.a.io"] }),
      "routing.customDomainAuthority.domains[0]",
      "routing.customDomainAuthority.domains[0] must be a hostname.",
    ],
    [
      "authority.allow: not array",
      authority({ allow: {} }),
      "routing.customDomainAuthority.allow",
      "routing.customDomainAuthority.allow must be an array.",
    ],
    [
      "authority.allow: string",
      authority({ allow: ["a/b"] }),
      "routing.customDomainAuthority.allow[0]",
      "routing.customDomainAuthority.allow[0] must be an object.",
    ],
    [
      "authority.allow: repository",
      authority({ allow: [{ repository: "a" }] }),
      "routing.customDomainAuthority.allow[0].repository",
      "routing.customDomainAuthority.allow[0].repository must be owner/repo.",
    ],
    [
      "authority.allow: no repository",
      authority({ allow: [{ pathPrefix: "/" }] }),
      "routing.customDomainAuthority.allow[0].repository",
      "routing.customDomainAuthority.allow[0].repository must be owner/repo.",
    ],
    [
      "authority.allow: pathPrefix type",
      authority({ allow: [{ repository: "a/b", pathPrefix: 1 }] }),
      "routing.customDomainAuthority.allow[0].pathPrefix",
      "routing.customDomainAuthority.allow[0].pathPrefix must be a string.",
    ],
    [
      "authority.allow: pathPrefix //",
      authority({ allow: [{ repository: "a/b", path_prefix: "a//b" }] }),
      "routing.customDomainAuthority.allow[0].pathPrefix",
      "routing.customDomainAuthority.allow[0].pathPrefix must be a valid URL path prefix.",
    ],
    [
      "authority.allow: pathPrefix ..",
      authority({ allow: [{ repository: "a/b", pathPrefix: "/a/../b" }] }),
      "routing.customDomainAuthority.allow[0].pathPrefix",
      "routing.customDomainAuthority.allow[0].pathPrefix must be a valid URL path prefix.",
    ],
  ])("%s", (_title, value, path, message) => {
    expect(issuesOf(value)).toStrictEqual([{ path, message }]);
  });
});

describe("C manifest: the error carries every problem", () => {
  it("lists all issues in schema order, and its message is the first one", () => {
    const parsed = parseManifest(
      JSON.stringify({
        vars: ["ok", "1bad"],
        name: 7,
        queues: [{ name: "q", consumer: "q" }],
        routing: { defaultDomain: 1 },
      }),
    );
    expect(Result.isFailure(parsed) && parsed.failure).toMatchObject({
      _tag: "ManifestError",
      message: "name must be a string.",
      issues: [
        { path: "name", message: "name must be a string." },
        { path: "queues[0].consumer", message: "queues[0].consumer must be an absolute path." },
        { path: "vars[1]", message: "vars[1] must be a valid environment variable name." },
        { path: "routing.defaultDomain", message: "routing.defaultDomain must be a boolean." },
      ],
    });
  });

  it("reports problems in several entries of one list", () => {
    expect(
      issuesOf(bindings({ kv: [1, "2", { binding: "A", name: 3 }] })).map((issue) => issue.path),
    ).toStrictEqual(["bindings.kv[0]", "bindings.kv[1]", "bindings.kv[2].name"]);
  });
});
