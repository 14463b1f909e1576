/** Lets plain `node` run the TypeScript sources: a relative `./x.js` import that has no file resolves to `./x.ts`. */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const isRelativeJs = specifier.startsWith(".") && specifier.endsWith(".js");
      if (!isRelativeJs || (error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
});
