/** DECISIONS 6: deploys are all or nothing, and a successful one switches every request at once. */
import { describe, expect, it } from "vitest";
import { fullstackApp } from "../apps.js";
import type { SuiteContext } from "../context.js";

export const atomicDeployScenarios = (context: SuiteContext): void => {
  describe("all-or-nothing deploys (DECISIONS 6)", () => {
    const versionOf = async () => {
      const response = await context.get(context.host("atomic"), "/app/api/v");
      return ((await response.json()) as { version: string }).version;
    };

    it("a failed deploy leaves the previous one serving; a good one switches", async () => {
      expect((await context.deployAs("atomic", "app", fullstackApp("one"))).status).toBe(200);
      const unresolved = await context.deployAs("atomic", "app", {
        ...fullstackApp("two"),
        "backend/index.js": 'import "./nowhere.js";\nexport default {}',
      });
      expect(unresolved.status).toBe(400);
      expect(await versionOf()).toBe("one");
      const unparsable = await context.deployAs("atomic", "app", {
        ...fullstackApp("three"),
        "backend/index.js": "export default { fetch( {",
      });
      expect(unparsable.status).toBe(400);
      expect(await versionOf()).toBe("one");
      expect(await (await context.get(context.host("atomic"), "/app/")).text()).toBe("<h1>app one</h1>");
      expect((await context.deployAs("atomic", "app", fullstackApp("four"))).status).toBe(200);
      expect(await versionOf()).toBe("four");
      expect(await (await context.get(context.host("atomic"), "/app/")).text()).toBe("<h1>app four</h1>");
    }, 60_000);

    it("after a redeploy answers, every request sees the new version", async () => {
      for (const version of ["r1", "r2", "r3"]) {
        const answer = await context.deployAs("atomic", "switch", fullstackApp(version));
        expect(answer.status).toBe(200);
        const [backends, pages] = await Promise.all([
          Promise.all(
            Array.from({ length: 8 }, async () => {
              const response = await context.get(context.host("atomic"), "/switch/api/v");
              return ((await response.json()) as { version: string }).version;
            }),
          ),
          Promise.all(
            Array.from({ length: 8 }, async () =>
              (await context.get(context.host("atomic"), "/switch/assets/app.js")).text(),
            ),
          ),
        ]);
        expect(new Set(backends)).toEqual(new Set([version]));
        expect(new Set(pages)).toEqual(new Set([`console.log("app ${version}");`]));
      }
    }, 60_000);

    it("answers every request while it is redeployed, from the old or the new version", async () => {
      const versions = ["load0", "load1", "load2", "load3"];
      expect((await context.deployAs("atomic", "load", fullstackApp("load0"))).status).toBe(200);
      let deploying = true;
      const seen: Array<{ status: number; version: string }> = [];
      const client = async () => {
        while (deploying) {
          const response = await context.get(context.host("atomic"), "/load/api/v");
          const body = (await response.json().catch(() => ({ version: "unparsable" }))) as {
            version: string;
          };
          seen.push({ status: response.status, version: body.version });
        }
      };
      const clients = Array.from({ length: 4 }, client);
      for (const version of versions.slice(1)) {
        expect((await context.deployAs("atomic", "load", fullstackApp(version))).status).toBe(200);
      }
      deploying = false;
      await Promise.all(clients);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter(({ status, version }) => status !== 200 || !versions.includes(version))).toEqual([]);
    }, 60_000);
  });
};
