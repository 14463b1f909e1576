import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, resolveSettings, SettingsError } from "../src/config.js";

describe("w7s-server settings", () => {
  it("uses the documented defaults", () => {
    expect(resolveSettings({ argv: [], env: {} }).settings).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({
      port: 8787,
      host: "127.0.0.1",
      baseDomain: "w7s.localhost",
      dataDir: "./.w7s",
    });
  });

  it("takes flags over environment over the config file", () => {
    const { settings, rest } = resolveSettings({
      argv: ["--port", "9000", "--base-domain=apps.example.test", "--check"],
      env: { W7S_PORT: "9100", W7S_HOST: "0.0.0.0", W7S_OIDC_AUDIENCE: "a, b", W7S_DEPLOY_TOKEN: "" },
      file: { port: 9200, host: "10.0.0.1", dataDir: "/srv/w7s", deployToken: "from-file" },
    });
    expect(settings).toMatchObject({
      port: 9000,
      baseDomain: "apps.example.test",
      host: "0.0.0.0",
      dataDir: "/srv/w7s",
      oidcAudiences: ["a", "b"],
      deployToken: "from-file",
    });
    expect(rest).toEqual(["--check"]);
  });

  it("names the flag or variable at fault", () => {
    expect(() => resolveSettings({ argv: ["--port", "http"], env: {} })).toThrow(
      new SettingsError('--port: expected a port number, got "http".'),
    );
    expect(() => resolveSettings({ argv: [], env: { W7S_MEMORY_LIMIT_MB: "-1" } })).toThrow(
      /W7S_MEMORY_LIMIT_MB/,
    );
    expect(() => resolveSettings({ argv: ["--port"], env: {} })).toThrow("--port needs a value.");
  });
});
