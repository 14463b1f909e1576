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

  it("reads the custom-domain, history and security settings", () => {
    const { settings } = resolveSettings({
      argv: ["--dns-servers", "127.0.0.1:5353,[::1]:53", "--history-depth=3", "--auth-failure-limit", "0"],
      env: { W7S_TRUSTED_PROXIES: "10.1.2.3", W7S_MAX_COOKIE_BYTES: "4096" },
    });
    expect(settings).toMatchObject({
      dnsServers: ["127.0.0.1:5353", "[::1]:53"],
      historyDepth: 3,
      authFailureLimit: 0,
      trustedProxies: ["10.1.2.3"],
      maxCookieBytes: 4096,
    });
    expect(DEFAULT_SETTINGS).toMatchObject({
      dnsServers: [],
      historyDepth: 10,
      authFailureLimit: 10,
      trustedProxies: ["127.0.0.1", "::1"],
      maxCookieBytes: 8192,
    });
    expect(() => resolveSettings({ argv: ["--auth-failure-limit", "-1"], env: {} })).toThrow(
      '--auth-failure-limit: expected a whole number, 0 or more, got "-1".',
    );
    expect(() => resolveSettings({ argv: ["--history-depth", "0"], env: {} })).toThrow(SettingsError);
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

  it.each([
    { argv: ["--port", "1"], env: { W7S_PORT: "2" }, file: { port: 3 }, port: 1, source: "flag" },
    { argv: ["--port=1"], env: {}, file: { port: 3 }, port: 1, source: "flag" },
    { argv: [], env: { W7S_PORT: "2" }, file: { port: 3 }, port: 2, source: "env" },
    { argv: [], env: { W7S_PORT: "" }, file: { port: 3 }, port: 3, source: "file" },
    { argv: [], env: {}, file: { port: "3" }, port: 3, source: "file" },
    { argv: [], env: {}, file: { port: null }, port: 8787, source: "default" },
    { argv: [], env: {}, file: undefined, port: 8787, source: "default" },
  ])("port from argv $argv, env $env, file $file is $port ($source)", ({ argv, env, file, port, source }) => {
    const resolved = resolveSettings({ argv, env, file });
    expect({ port: resolved.settings.port, source: resolved.sources.port }).toEqual({ port, source });
  });

  it("reads every documented flag and variable", () => {
    const flags = resolveSettings({
      argv: [
        "--host=0.0.0.0",
        "--data-dir=/d",
        "--database-url=postgres://db",
        "--github-api-url=http://gh",
        "--oidc-issuer=http://iss",
        "--oidc-audience=x,y",
        "--oidc-jwks-url=http://iss/jwks",
        "--request-timeout-ms=500",
        "--memory-limit-mb=64",
      ],
      env: {},
    }).settings;
    const env = resolveSettings({
      argv: [],
      env: {
        W7S_HOST: "0.0.0.0",
        W7S_DATA_DIR: "/d",
        DATABASE_URL: "postgres://db",
        W7S_GITHUB_API_URL: "http://gh",
        W7S_OIDC_ISSUER: "http://iss",
        W7S_OIDC_AUDIENCE: "x,y",
        W7S_OIDC_JWKS_URL: "http://iss/jwks",
        W7S_REQUEST_TIMEOUT_MS: "500",
        W7S_MEMORY_LIMIT_MB: "64",
      },
    }).settings;
    const expected = {
      host: "0.0.0.0",
      dataDir: "/d",
      databaseUrl: "postgres://db",
      githubApiUrl: "http://gh",
      oidcIssuer: "http://iss",
      oidcAudiences: ["x", "y"],
      oidcJwksUrl: "http://iss/jwks",
      requestTimeoutMs: 500,
      memoryLimitMb: 64,
    };
    expect(flags).toMatchObject(expected);
    expect(env).toMatchObject(expected);
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

  it("reads the AI provider settings: models as @w7s/<name>=<provider model> pairs, repeatable", () => {
    const { settings } = resolveSettings({
      argv: [
        "--ai-base-url",
        "http://127.0.0.1:11434/v1",
        "--ai-model",
        "@w7s/meta/llama-3.1-8b-instruct-fp8=llama3.1:8b",
        "--ai-model=@w7s/qwen/coder=qwen2.5-coder:7b",
        "--queue-lease-seconds",
        "30",
      ],
      env: { W7S_AI_API_KEY: "sk-x" },
    });
    expect(settings).toMatchObject({
      aiBaseUrl: "http://127.0.0.1:11434/v1",
      aiApiKey: "sk-x",
      aiModels: {
        "@w7s/meta/llama-3.1-8b-instruct-fp8": "llama3.1:8b",
        "@w7s/qwen/coder": "qwen2.5-coder:7b",
      },
      queueLeaseSeconds: 30,
    });
    expect(resolveSettings({ argv: [], env: { W7S_AI_MODELS: '{"@w7s/a":"b"}' } }).settings.aiModels).toEqual(
      { "@w7s/a": "b" },
    );
    expect(() => resolveSettings({ argv: ["--ai-model", "llama=x"], env: {} })).toThrow(SettingsError);
    expect(() => resolveSettings({ argv: ["--ai-model", "@w7s/a"], env: {} })).toThrow(SettingsError);
  });
});

describe("Postgres bindings setting", () => {
  it("reads id=url pairs from repeated flags, the environment (pairs or JSON) and the file", () => {
    const flags = resolveSettings({
      argv: ["--hyperdrive", "main=postgres://a:b@db:5432/app", "--hyperdrive=other=postgresql://h/x"],
      env: {},
    });
    expect(flags.settings.hyperdrive).toEqual({
      main: "postgres://a:b@db:5432/app",
      other: "postgresql://h/x",
    });
    expect(
      resolveSettings({ argv: [], env: { W7S_HYPERDRIVE: "a=postgres://h1/a, b=postgres://h2/b" } }).settings
        .hyperdrive,
    ).toEqual({ a: "postgres://h1/a", b: "postgres://h2/b" });
    expect(
      resolveSettings({ argv: [], env: { W7S_HYPERDRIVE: '{"a":"postgres://h1/a"}' } }).settings.hyperdrive,
    ).toEqual({ a: "postgres://h1/a" });
    expect(
      resolveSettings({ argv: [], env: {}, file: { hyperdrive: { a: "postgres://h1/a" } } }).settings
        .hyperdrive,
    ).toEqual({ a: "postgres://h1/a" });
  });

  it("names the flag at fault for a value that is not a postgres URL", () => {
    expect(() => resolveSettings({ argv: ["--hyperdrive", "main=mysql://h/db"], env: {} })).toThrow(
      "--hyperdrive: main must be a postgres:// connection string with a host.",
    );
    expect(() => resolveSettings({ argv: ["--hyperdrive", "postgres://h/db"], env: {} })).toThrow(
      '--hyperdrive: expected <id>=<postgres url>, got "postgres://h/db".',
    );
  });
});
