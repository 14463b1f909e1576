export {
  type ArchiveFiles,
  isExcludedByAction,
  type ZipFilesOptions,
  zipBomb,
  zipEntries,
  zipFiles,
  zipOfZeros,
  zipWithSymlink,
} from "./archives.js";
export {
  type AppRequestInit,
  type ConformanceTarget,
  type DeployAnswer,
  type DeployOptions,
  deployRequest,
  request,
} from "./client.js";
export {
  type ConformanceFactory,
  type ConformanceFactoryOptions,
  type ConformanceSuiteOptions,
  defineConformanceSuite,
} from "./defineConformanceSuite.js";
