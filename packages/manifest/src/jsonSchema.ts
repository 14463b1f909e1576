/** The JSON Schema of w7s.json for editors, generated from the same effect/Schema the parser uses. */
import { Schema } from "effect";
import { ManifestFileSchema } from "./manifestSchema.js";

/** A JSON Schema (draft 2020-12) document as plain JSON data. */
export type JsonSchemaDocument = { readonly [key: string]: unknown };

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/**
 * The JSON Schema of what users may write in w7s.json. Unknown keys are marked as not allowed so editors
 * flag them; a deploy accepts them with an `unknown_manifest_key` warning.
 */
export const manifestJsonSchema = (): JsonSchemaDocument => {
  const document = Schema.toJsonSchemaDocument(ManifestFileSchema, { onExcessProperty: "error" });
  const definitions = Object.keys(document.definitions).length === 0 ? {} : { $defs: document.definitions };
  return { $schema: DRAFT_2020_12, ...document.schema, ...definitions };
};

/** The committed text of `w7s.schema.json`: the schema as two-space JSON with a final newline. */
export const manifestJsonSchemaText = (): string => `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
