export { type ArchiveFiles, zipBomb, zipFiles, zipWithSymlink } from "./archives.js";
export {
  type AppRequestInit,
  type ConformanceTarget,
  type DeployAnswer,
  type DeployOptions,
  deploy,
  request,
} from "./client.js";
export {
  type ConformanceFactory,
  type ConformanceFactoryOptions,
  defineConformanceSuite,
} from "./defineConformanceSuite.js";
