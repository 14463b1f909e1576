/** The free-tier shape caps a deploy must fit (B.5): every violation, in table order, with its exact message. */
import type { Manifest } from "./manifestSchema.js";

const MIB = 1024 * 1024;

/** The limits of B.5; a self-host operator may pass others. Byte limits are in bytes. */
export interface ShapeCaps {
  readonly zipBytes: number;
  readonly uncompressedBytes: number;
  readonly kvBindings: number;
  readonly fsBindings: number;
  readonly dbBindings: number;
  readonly durableObjectClasses: number;
  readonly emailBindings: number;
  readonly queues: number;
  readonly schedules: number;
  readonly workflows: number;
  readonly customDomainRoutes: number;
  readonly staticFiles: number;
  readonly staticBytes: number;
  readonly staticFileBytes: number;
  readonly migrationFilesPerDb: number;
  readonly migrationBytesPerDb: number;
}

/** The hosted free tier (B.5). */
export const FREE_TIER_SHAPE_CAPS: ShapeCaps = {
  zipBytes: 25 * MIB,
  uncompressedBytes: 100 * MIB,
  kvBindings: 3,
  fsBindings: 3,
  dbBindings: 2,
  durableObjectClasses: 2,
  emailBindings: 2,
  queues: 2,
  schedules: 5,
  workflows: 5,
  customDomainRoutes: 3,
  staticFiles: 1000,
  staticBytes: 100 * MIB,
  staticFileBytes: 10 * MIB,
  migrationFilesPerDb: 50,
  migrationBytesPerDb: 5 * MIB,
};

/** A file of the deploy archive: its full archive path and size in bytes. */
export interface ArchiveFile {
  readonly path: string;
  readonly size: number;
}

/** What a deploy is measured by. */
export interface DeployShape {
  readonly zipBytes: number;
  /** Sum of the sizes of every archive entry. */
  readonly uncompressedBytes: number;
  readonly manifest: Manifest;
  /** Custom-domain routes after branch prefixing (H.2). */
  readonly customDomainRoutes: number;
  /** Files under the detected static root, with full archive paths, in archive order. */
  readonly staticFiles: readonly ArchiveFile[];
  /** The migration files of each database binding that declares a migrations folder. */
  readonly migrations: readonly { readonly binding: string; readonly files: readonly ArchiveFile[] }[];
}

/** The size label of the B.5 messages: `ceil(bytes / 1 MiB)` followed by ` MB`. */
export const megabytesLabel = (bytes: number): string => `${Math.ceil(bytes / MIB)} MB`;

const totalSize = (files: readonly ArchiveFile[]): number => files.reduce((sum, file) => sum + file.size, 0);

/** Every cap the deploy exceeds, as its exact B.5 message, in the order of the B.5 table. */
export const shapeCapViolations = (
  shape: DeployShape,
  caps: ShapeCaps = FREE_TIER_SHAPE_CAPS,
): readonly string[] => {
  const { bindings } = shape.manifest;
  const violations: string[] = [];
  const declares = (count: number, cap: number, what: string) => {
    if (count > cap) violations.push(`w7s.json declares more than ${cap} ${what}.`);
  };

  if (shape.zipBytes > caps.zipBytes)
    violations.push(`Deploy archive exceeds ${megabytesLabel(caps.zipBytes)}.`);
  if (shape.uncompressedBytes > caps.uncompressedBytes) {
    violations.push(`Deploy archive expands past ${megabytesLabel(caps.uncompressedBytes)}.`);
  }
  declares(bindings.kv.length, caps.kvBindings, "KV bindings");
  declares(bindings.fs.length, caps.fsBindings, "R2 bindings");
  declares(bindings.db.length, caps.dbBindings, "D1 bindings");
  const classes = new Set(bindings.durableObjects.map((durableObject) => durableObject.className));
  declares(classes.size, caps.durableObjectClasses, "Durable Object classes");
  declares(bindings.email.length, caps.emailBindings, "Email bindings");
  declares(shape.manifest.queues.length, caps.queues, "queues");
  declares(shape.manifest.schedules.length, caps.schedules, "schedules");
  declares(shape.manifest.workflows.length, caps.workflows, "workflows");
  if (shape.customDomainRoutes > caps.customDomainRoutes) {
    violations.push(`CNAME declares more than ${caps.customDomainRoutes} custom domains.`);
  }
  if (shape.staticFiles.length > caps.staticFiles) {
    violations.push(`Static output contains more than ${caps.staticFiles} files.`);
  }
  if (totalSize(shape.staticFiles) > caps.staticBytes) {
    violations.push(`Static output exceeds ${megabytesLabel(caps.staticBytes)}.`);
  }
  const oversized = shape.staticFiles.find((file) => file.size > caps.staticFileBytes);
  if (oversized !== undefined) {
    violations.push(`Static file ${oversized.path} exceeds ${megabytesLabel(caps.staticFileBytes)}.`);
  }
  for (const { binding, files } of shape.migrations) {
    if (files.length > caps.migrationFilesPerDb) {
      violations.push(`D1 migrations for ${binding} contain more than ${caps.migrationFilesPerDb} files.`);
    }
  }
  for (const { binding, files } of shape.migrations) {
    if (totalSize(files) > caps.migrationBytesPerDb) {
      violations.push(`D1 migrations for ${binding} exceed ${megabytesLabel(caps.migrationBytesPerDb)}.`);
    }
  }
  return violations;
};
