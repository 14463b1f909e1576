/** The generated entry module's shape (what it does at run time is tested through workerd in logCapture.test.ts). */
import { describe, expect, it } from "vitest";
import { entryModule, LOG_SINK_BINDING } from "../src/logs/index.js";
import { workerdConfig } from "../src/runtime/workerdConfig.js";

const input = {
  mainModule: "backend/index.js",
  moduleNames: ["backend/index.js", "w7s-entry.js"],
  objectClasses: ["Counter", "weird-name"],
  secretNames: ["API_KEY"],
  sources: ["export default {};"],
};

describe("the entry module", () => {
  it("imports the app's main module, re-exports it and wraps each object class under its own name", () => {
    const { name, source } = entryModule(input);
    // A module of the app's with the entry's usual name keeps it; the entry takes another.
    expect(name).toBe("w7s-entry-1.js");
    expect(source).toContain('import * as app from "./backend/index.js";');
    expect(source).toContain('export * from "./backend/index.js";');
    expect(source).toContain("export { __w7s_object_0 as Counter };");
    expect(source).toContain('export { __w7s_object_1 as "weird-name" };');
    expect(source).toContain('const SECRET_NAMES = ["API_KEY"];');
    // Secret values are read from env at run time, never written into the module.
    expect(source).not.toContain("hunter2");
  });

  it("gives invocations an AsyncLocalStorage context only when the app can log or has stateful objects", () => {
    const contextOf = (sources: string[], objectClasses: string[] = []) =>
      entryModule({ ...input, objectClasses, sources }).source.includes("const INVOCATION_CONTEXT = true;");
    expect(contextOf(['export default { fetch() { return new Response("hi"); } };'])).toBe(false);
    expect(contextOf(["export default {};", "export const log = (x) => console.log(x);"])).toBe(true);
    // An escape in an identifier can spell the name too.
    expect(contextOf(["\\u0063onsole.log(1);"])).toBe(true);
    expect(contextOf(["export default {};"], ["Counter"])).toBe(true);
  });

  it("is the main module of the config, with the sink binding and AsyncLocalStorage, and no tail worker", () => {
    const { config, files } = workerdConfig({
      bundle: {
        deploymentId: "d",
        app: { environment: "production", orgSlug: "o", repoSlug: "r" },
        scriptName: "s",
        mainModule: "index.js",
        modules: [{ name: "index.js", content: "export default {};" }],
        bindings: [{ type: "secret_text", name: "API_KEY", text: "hunter2" }],
        compatibilityDate: "2026-05-23",
        compatibilityFlags: [],
        durableObjectClasses: [],
      },
      address: "unix:/tmp/x.sock",
      compatibilityDate: "2026-05-23",
      memoryLimitMb: 128,
      platformServiceUrl: undefined,
      storage: {
        bindingsSocket: "",
        grant: () => "",
        hyperdrive: () => undefined,
        objectsDirectory: undefined,
      },
      logs: { socketPath: "/tmp/logs.sock", grant: "grant" },
    });
    const modules = config.slice(config.indexOf("modules = ["));
    expect(modules.indexOf('"w7s-entry.js"')).toBeLessThan(modules.indexOf('"index.js"'));
    expect(config).toContain(`(name = "${LOG_SINK_BINDING}", service = "w7s-log-sink")`);
    expect(config).toContain('compatibilityFlags = ["nodejs_als"]');
    expect(config).not.toContain("tails");
    expect(files.find((file) => file.path === "modules/entry.js")?.content).not.toContain("hunter2");
  });
});
