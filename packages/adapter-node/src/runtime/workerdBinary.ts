/** The workerd binary shipped by the `workerd` npm package, found lazily so a missing binary is a typed error. */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";

export interface WorkerdBinary {
  readonly path: string;
  /** The newest compatibility date this binary supports. */
  readonly newestCompatibilityDate: string;
}

let found: WorkerdBinary | undefined;

/** The package ships no types: its main export is the binary path plus the newest supported date. */
export const findWorkerd = (): WorkerdBinary | string => {
  if (found !== undefined) return found;
  try {
    const workerdPackage = createRequire(import.meta.url)("workerd") as {
      default: string;
      compatibilityDate: string;
    };
    accessSync(workerdPackage.default, constants.X_OK);
    found = { path: workerdPackage.default, newestCompatibilityDate: workerdPackage.compatibilityDate };
    return found;
  } catch (error) {
    return `The workerd binary is not available: ${error instanceof Error ? error.message : String(error)}`;
  }
};

/** A compatibility date newer than the binary knows is lowered to the newest it supports. */
export const clampCompatibilityDate = (date: string, newest: string): string =>
  date > newest ? newest : date;
