import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { manifestJsonSchema, manifestJsonSchemaText } from "./jsonSchema.js";

describe("w7s.json JSON Schema", () => {
  const schema = manifestJsonSchema() as {
    $schema: string;
    title: string;
    properties: Record<string, { properties?: Record<string, unknown> }>;
    additionalProperties: boolean;
    $defs: Record<string, unknown>;
  };

  it("is a draft 2020-12 document with a title", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("W7S app manifest (w7s.json)");
    expect(schema.additionalProperties).toBe(false);
  });

  it("lists every top-level key of section C, plus $schema for editors", () => {
    expect(Object.keys(schema.properties).sort()).toStrictEqual(
      [
        "$schema",
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
        "events",
        "routing",
      ].sort(),
    );
  });

  it("lists both spellings of every binding kind and routing key", () => {
    expect(Object.keys(schema.properties["bindings"]?.properties ?? {})).toStrictEqual([
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
      "send_email",
      "ai",
    ]);
    expect(Object.keys(schema.properties["routing"]?.properties ?? {})).toStrictEqual([
      "defaultDomain",
      "default_domain",
      "customDomainBranchMode",
      "custom_domain_branch_mode",
      "customDomainAuthority",
      "custom_domain_authority",
    ]);
  });

  it("is the committed w7s.schema.json (run `pnpm --filter @w7s/manifest generate` when this fails)", () => {
    const committed = readFileSync(new URL("../w7s.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(manifestJsonSchemaText());
  });
});
