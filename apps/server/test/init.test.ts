import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, resolveSettings, SettingsError } from "../src/config.js";
import { CONFIG_FILE_NAME, locateConfigFile, readConfigFile, takeConfigFlag } from "../src/configFile.js";
import { defaultPublicUrl, initConfig, initInstructions } from "../src/init.js";

const cli = resolve(import.meta.dirname, "../src/cli.ts");
const hook = resolve(import.meta.dirname, "../../../packages/core/bench/resolveTs.ts");
const runCli = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ["--conditions=source", "--import", hook, cli, ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", ...env },
  });

describe("which config file the server reads", () => {
  it("takes --config, then W7S_CONFIG, then ./w7s.config.json, then <data-dir>/w7s.config.json", () => {
    const cwd = mkdtempSync(join(tmpdir(), "w7s-config-"));
    const dataDir = join(cwd, "data");
    mkdirSync(dataDir);
    const none = { cwd, explicitPath: undefined, argv: [], env: {} };
    expect(locateConfigFile(none)).toBeUndefined();

    writeFileSync(join(dataDir, CONFIG_FILE_NAME), "{}");
    expect(locateConfigFile({ ...none, argv: ["--data-dir", "data"] })).toBe(join(dataDir, CONFIG_FILE_NAME));
    expect(locateConfigFile({ ...none, env: { W7S_DATA_DIR: dataDir } })).toBe(
      join(dataDir, CONFIG_FILE_NAME),
    );

    writeFileSync(join(cwd, CONFIG_FILE_NAME), "{}");
    expect(locateConfigFile({ ...none, argv: ["--data-dir=data"] })).toBe(join(cwd, CONFIG_FILE_NAME));

    writeFileSync(join(cwd, "other.json"), "{}");
    expect(locateConfigFile({ ...none, env: { W7S_CONFIG: "other.json" } })).toBe(join(cwd, "other.json"));
    expect(() => locateConfigFile({ ...none, explicitPath: "missing.json" })).toThrow(SettingsError);
    expect(locateConfigFile({ ...none, explicitPath: "missing.json", allowMissing: true })).toBeUndefined();
  });

  it("takes --config out of the arguments", () => {
    expect(takeConfigFlag(["--port", "1", "--config", "a.json", "--check"])).toEqual({
      path: "a.json",
      argv: ["--port", "1", "--check"],
    });
    expect(takeConfigFlag(["--config=b.json"])).toEqual({ path: "b.json", argv: [] });
    expect(() => takeConfigFlag(["--config"])).toThrow("--config needs a value.");
  });

  it("names the file at fault", () => {
    const cwd = mkdtempSync(join(tmpdir(), "w7s-config-"));
    const path = join(cwd, CONFIG_FILE_NAME);
    writeFileSync(path, "{ port: 1 }");
    expect(() => readConfigFile(path)).toThrow(`${path} is not valid JSON`);
    writeFileSync(path, "[]");
    expect(() => readConfigFile(path)).toThrow(`${path} must hold a JSON object of settings.`);
    expect(() => resolveSettings({ argv: [], env: {}, file: { prot: 1 }, fileName: path })).toThrow(
      `${path}: unknown setting "prot"`,
    );
  });
});

describe("init", () => {
  it("writes the listening settings and every value that was given", () => {
    const { settings, sources } = resolveSettings({
      argv: ["--base-domain", "apps.example.test", "--deploy-token", "t0ken"],
      env: { W7S_OIDC_AUDIENCE: "my-server" },
    });
    expect(initConfig(settings, sources)).toEqual({
      port: 8787,
      host: "127.0.0.1",
      baseDomain: "apps.example.test",
      dataDir: "./.w7s",
      deployToken: "t0ken",
      oidcAudiences: ["my-server"],
    });
  });

  it("prints the official action step with deploy-url pointed at this server, and the curl request of J.3", () => {
    const text = initInstructions({
      settings: { ...DEFAULT_SETTINGS, baseDomain: "apps.example.test" },
      configPath: "/srv/w7s.config.json",
      publicUrl: "https://deploy.example.test/",
      serveCommand: "w7s-server serve --config /srv/w7s.config.json",
    });
    expect(text).toContain("Wrote /srv/w7s.config.json. Start the server with: w7s-server serve --config");
    expect(text).toContain(
      "      - uses: w7s-io/w7s-cloud@v1\n        with:\n          deploy-url: https://deploy.example.test/api/v1/deploy\n",
    );
    expect(text).not.toContain("token: ${{");
    expect(text).toContain(
      "curl -sS -X POST https://deploy.example.test/api/v1/deploy --data-binary @app.zip",
    );
    expect(text).toContain('-H "authorization: Bearer $GITHUB_TOKEN"');
    expect(text).toContain("'dist/.vite/*'");
    expect(text).toContain("<branch>--<owner>.apps.example.test");
    expect(text).not.toContain("loopback");
  });

  it("sends the operator token from a secret when one is configured, and warns that loopback is unreachable", () => {
    const settings = { ...DEFAULT_SETTINGS, deployToken: "t0ken" };
    const text = initInstructions({
      settings,
      configPath: "/x/w7s.config.json",
      publicUrl: defaultPublicUrl(settings),
      serveCommand: "w7s-server serve",
    });
    expect(text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
      "deploy-url: http://127.0.0.1:8787/api/v1/deploy\n          token: ${{ secrets.W7S_DEPLOY_TOKEN }}",
    );
    expect(text).toContain('-H "authorization: Bearer $W7S_DEPLOY_TOKEN"');
    expect(text).toContain("cannot reach this machine's loopback address");
    expect(text).not.toContain("t0ken");
  });

  it("`w7s-server init` writes w7s.config.json that `serve` then reads", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "w7s-init-"));
    const { stdout } = await runCli(
      cwd,
      ["init", "--port", "0", "--data-dir", "data", "--public-url", "https://w7s.example.test"],
      { W7S_BASE_DOMAIN: "apps.example.test" },
    );
    const path = join(cwd, CONFIG_FILE_NAME);
    expect(stdout).toContain(`Wrote ${path}. Start the server with: w7s-server serve (from this directory)`);
    expect(stdout).toContain("deploy-url: https://w7s.example.test/api/v1/deploy");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      port: 0,
      host: "127.0.0.1",
      baseDomain: "apps.example.test",
      dataDir: "data",
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const server = spawn(process.execPath, ["--conditions=source", "--import", hook, cli, "serve"], {
      cwd,
      env: { PATH: process.env["PATH"] ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const banner = await new Promise<string>((done, fail) => {
      let output = "";
      server.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("\n")) done(output);
      });
      server.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      server.once("exit", (code) => fail(new Error(`serve exited (${code}): ${output}`)));
    });
    const exited = new Promise<number | null>((done) => server.once("exit", done));
    server.kill("SIGTERM");
    expect(banner).toMatch(
      /^W7S server listening on http:\/\/127\.0\.0\.1:\d+ \(apps on \*\.apps\.example\.test, /,
    );
    expect(banner).toContain(`data in ${join(cwd, "data")}, settings from ${path})`);
    expect(await exited).toBe(0);
  }, 60_000);

  it("stops with a message naming the flag at fault", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "w7s-cli-"));
    await expect(runCli(cwd, ["serve", "--port", "http"])).rejects.toMatchObject({
      stderr: '--port: expected a port number, got "http".\n',
    });
    await expect(runCli(cwd, ["serve", "--nope"])).rejects.toMatchObject({
      stderr: expect.stringContaining("Unknown argument --nope."),
    });
  }, 60_000);
});
