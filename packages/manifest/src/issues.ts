/** Turns an effect/Schema issue tree into the flat `{ path, message }` list of w7s.json errors and unknown keys. */
import type { SchemaAST, SchemaIssue } from "effect";

/** One problem of a w7s.json, at a JSON path such as `bindings.kv[0].binding`. */
export interface ManifestIssue {
  readonly path: string;
  readonly message: string;
}

type Segment = PropertyKey;

/** `["bindings", "kv", 0, "binding"]` -> `bindings.kv[0].binding`. */
export const formatJsonPath = (segments: readonly Segment[]): string =>
  segments.reduce<string>((path, segment) => {
    if (typeof segment === "number") return `${path}[${segment}]`;
    const key = String(segment);
    return path === "" ? key : `${path}.${key}`;
  }, "");

const messageOf = (annotations: { readonly [key: string]: unknown } | undefined): string | undefined =>
  typeof annotations?.["message"] === "string" ? annotations["message"] : undefined;

/** A node together with every form it is decoded from and, for unions, every member (recursively). */
const variants = (ast: SchemaAST.AST): readonly SchemaAST.AST[] => {
  const found: SchemaAST.AST[] = [ast];
  for (const link of ast.encoding ?? []) found.push(...variants(link.to));
  if (ast._tag === "Union") for (const member of ast.types) found.push(...variants(member));
  return found;
};

interface ResolvedPath {
  /** The path with alias keys (`class_name`) renamed to their documented spelling (`className`). */
  readonly segments: readonly Segment[];
  /** The nodes the last segment can be, to read a "wrong type" message for a missing key. */
  readonly nodes: readonly SchemaAST.AST[];
}

/** Follows a path through the Schema, renaming each alias key by its `canonicalKey` key annotation. */
const resolvePath = (root: SchemaAST.AST, raw: readonly Segment[]): ResolvedPath => {
  let nodes: readonly SchemaAST.AST[] = [root];
  const segments: Segment[] = [];
  for (const segment of raw) {
    const candidates = nodes.flatMap(variants);
    if (typeof segment === "number") {
      nodes = candidates.flatMap((node) => (node._tag === "Arrays" ? [...node.rest, ...node.elements] : []));
      segments.push(segment);
      continue;
    }
    const properties = candidates.flatMap((node) =>
      node._tag === "Objects" ? node.propertySignatures.filter((property) => property.name === segment) : [],
    );
    const canonical = properties
      .map((property) => property.type.context?.annotations?.["canonicalKey"])
      .find((name) => typeof name === "string");
    segments.push(canonical ?? segment);
    nodes = properties.map((property) => property.type);
  }
  return { segments, nodes };
};

const FALLBACK_MESSAGE = "is not valid.";

/**
 * Message convention of the Schema: lowercase messages are predicates about a field (`must be a string.`) and
 * get the field path in front (the file itself at the root); uppercase ones are whole sentences (cron errors).
 */
const toIssue = (path: string, message: string): ManifestIssue => {
  const first = message.charAt(0);
  const isPredicate = first !== first.toUpperCase();
  return { path, message: isPredicate ? `${path === "" ? "w7s.json" : path} ${message}` : message };
};

interface Found {
  readonly segments: readonly Segment[];
  /** Undefined for a missing key: its message is the key's "wrong type" message. */
  readonly message: string | undefined;
}

const collect = (issue: SchemaIssue.Issue, segments: readonly Segment[], out: Found[]): void => {
  switch (issue._tag) {
    case "Pointer":
      collect(issue.issue, [...segments, ...issue.path], out);
      return;
    case "Composite":
      for (const child of issue.issues) collect(child, segments, out);
      return;
    case "Encoding":
      collect(issue.issue, segments, out);
      return;
    case "Filter":
      if (issue.issue._tag === "InvalidValue") {
        const message = messageOf(issue.issue.annotations) ?? messageOf(issue.filter.annotations);
        out.push({ segments, message: message ?? FALLBACK_MESSAGE });
      } else {
        collect(issue.issue, segments, out);
      }
      return;
    case "AnyOf":
      if (issue.issues.length === 0)
        out.push({ segments, message: messageOf(issue.ast.annotations) ?? FALLBACK_MESSAGE });
      for (const child of issue.issues) collect(child, segments, out);
      return;
    case "InvalidType":
    case "OneOf":
      out.push({ segments, message: messageOf(issue.ast.annotations) ?? FALLBACK_MESSAGE });
      return;
    case "InvalidValue":
    case "Forbidden":
      out.push({ segments, message: messageOf(issue.annotations) ?? FALLBACK_MESSAGE });
      return;
    case "MissingKey":
      out.push({ segments, message: issue.annotations?.messageMissingKey });
      return;
    case "UnexpectedKey":
      return;
  }
};

/**
 * Every error of an issue tree of `schema`, in the order the Schema checked them, with paths in documented
 * spelling. A missing required key reports the message its value would get for a wrong type.
 */
export const manifestErrors = (schema: SchemaAST.AST, issue: SchemaIssue.Issue): readonly ManifestIssue[] => {
  const found: Found[] = [];
  collect(issue, [], found);
  return found.map(({ segments, message }) => {
    const resolved = resolvePath(schema, segments);
    const missingKeyMessage = resolved.nodes
      .flatMap(variants)
      .map((node) => messageOf(node.annotations))
      .find((text) => text !== undefined);
    return toIssue(formatJsonPath(resolved.segments), message ?? missingKeyMessage ?? FALLBACK_MESSAGE);
  });
};

const collectUnknownKeys = (issue: SchemaIssue.Issue, segments: readonly Segment[], out: string[]): void => {
  switch (issue._tag) {
    case "Pointer":
      if (issue.issue._tag === "UnexpectedKey") out.push(formatJsonPath([...segments, ...issue.path]));
      else collectUnknownKeys(issue.issue, [...segments, ...issue.path], out);
      return;
    case "Composite":
    case "AnyOf":
      for (const child of issue.issues) collectUnknownKeys(child, segments, out);
      return;
    case "Encoding":
    case "Filter":
      collectUnknownKeys(issue.issue, segments, out);
      return;
    default:
      return;
  }
};

/** The JSON paths (as written) of every key the Schema does not know, from a decode with excess keys as errors. */
export const unknownKeyPaths = (issue: SchemaIssue.Issue): readonly string[] => {
  const out: string[] = [];
  collectUnknownKeys(issue, [], out);
  return out;
};
