/**
 * `w7s deploy --dry-run`: what would be uploaded and what the server would make of it, decided by the same
 * code the server runs (@w7s/core's layout detection, @w7s/manifest's parser, the deploy's warnings).
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deployFiles, formatBytes, zipDirectory } from "@w7s/action";
import {
  type DeploymentWarning,
  detectLayout,
  type FeatureNotProvidedWarning,
  stripCommonRoot,
  unprovidedFeatureWarnings,
} from "@w7s/core";
import { parseManifest } from "@w7s/manifest";
import { Result } from "effect";

export interface DryRunReport {
  /** Archive paths of the files that would be zipped (folders left out), sorted. */
  readonly files: readonly { readonly path: string; readonly size: number }[];
  readonly totalBytes: number;
  readonly zipBytes: number;
  /** The layout, or why the server would refuse the archive. */
  readonly layout:
    | {
        readonly kind: string;
        readonly staticRoot: string | undefined;
        readonly backendEntrypoint: string | undefined;
      }
    | { readonly error: string };
  /** `deploymentWarnings` the server would answer with. */
  readonly warnings: ReadonlyArray<
    DeploymentWarning | FeatureNotProvidedWarning | { code: string; message: string }
  >;
  /** `w7s.json` problems the server would answer 400 with. */
  readonly manifestErrors: readonly string[];
}

const LAYOUT_NAMES: Readonly<Record<string, string>> = {
  Fullstack: "fullstack (static site and backend)",
  Backend: "backend only",
  Static: "static site",
  StaticWithSkippedBackend: "static site (backend folder skipped)",
};

export const dryRun = (directory: string): DryRunReport => {
  const files = deployFiles(directory)
    .filter((path) => !path.endsWith("/"))
    .map((path) => ({ path, size: statSync(join(directory, path)).size }));
  const stripped = stripCommonRoot(files.map((file) => file.path));
  const paths = stripped.paths;
  const manifestPath = stripped.root === null ? "w7s.json" : `${stripped.root}/w7s.json`;
  let manifestText: string | undefined;
  try {
    manifestText = readFileSync(join(directory, manifestPath), "utf8");
  } catch {}
  const manifest = parseManifest(manifestText);
  const manifestErrors = Result.isFailure(manifest)
    ? manifest.failure.issues.map((issue) =>
        issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`,
      )
    : [];
  const layout = detectLayout(paths);
  const warnings: DryRunReport["warnings"][number][] = [];
  let report: DryRunReport["layout"];
  if (Result.isFailure(layout)) {
    report = { error: layout.failure.message };
  } else {
    const detected = layout.success;
    warnings.push(...detected.deploymentWarnings);
    const backend =
      detected._tag === "Fullstack" || detected._tag === "Backend" ? detected.backend : undefined;
    if (Result.isSuccess(manifest)) {
      warnings.push(...(manifest.success.warnings as DryRunReport["warnings"]));
      if (backend !== undefined) warnings.push(...unprovidedFeatureWarnings(manifest.success.manifest));
    }
    report = {
      kind: LAYOUT_NAMES[detected._tag] ?? detected._tag,
      staticRoot: detected._tag === "Backend" ? undefined : detected.staticRoot.label,
      backendEntrypoint: backend?.entrypoint,
    };
  }
  return {
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    zipBytes: zipDirectory(directory).byteLength,
    layout: report,
    warnings,
    manifestErrors,
  };
};

/** The report as the command prints it. */
export const dryRunLines = (
  report: DryRunReport,
  options: { readonly listFiles: boolean } = { listFiles: true },
) => {
  const lines = [
    `Would upload ${report.files.length} files, ${formatBytes(report.totalBytes)} (zip ${formatBytes(report.zipBytes)}):`,
  ];
  if (options.listFiles)
    for (const file of report.files) lines.push(`  ${file.path}  ${formatBytes(file.size)}`);
  lines.push("", "The server would detect:");
  if ("error" in report.layout) {
    lines.push(`  nothing deployable: ${report.layout.error}`);
  } else {
    lines.push(`  layout:             ${report.layout.kind}`);
    lines.push(
      `  static root:        ${report.layout.staticRoot === undefined ? "none" : `${report.layout.staticRoot}/`}`,
    );
    lines.push(`  backend entrypoint: ${report.layout.backendEntrypoint ?? "none"}`);
  }
  for (const error of report.manifestErrors) lines.push(`  w7s.json error: ${error}`);
  if (report.warnings.length > 0) {
    lines.push("", "Deploy warnings:");
    for (const warning of report.warnings) lines.push(`  - [${warning.code}] ${warning.message}`);
  }
  return lines;
};
