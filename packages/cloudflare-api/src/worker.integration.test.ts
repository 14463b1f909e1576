/**
 * The client inside workerd, the runtime of the core Worker: bundled with esbuild, served by the `workerd`
 * binary, calling the stand-in over the loopback network.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CloudflareApiStandIn, startCloudflareApiStandIn } from "./standIn/index.js";

const workerd = (createRequire(import.meta.url)("workerd") as { default: string }).default;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

let standIn: CloudflareApiStandIn;
let child: ChildProcess | undefined;
let directory: string;
let workerUrl: string;
let output = "";

beforeAll(async () => {
  standIn = await startCloudflareApiStandIn();
  directory = await mkdtemp(join(tmpdir(), "w7s-cloudflare-api-workerd-"));
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("../test/workerEntry.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  await writeFile(join(directory, "worker.js"), bundle.outputFiles[0]!.contents);
  const port = await freePort();
  workerUrl = `http://127.0.0.1:${port}/run`;
  const text = (name: string, value: string) => `(name = "${name}", text = "${value}")`;
  await writeFile(
    join(directory, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (
      modules = [(name = "worker.js", esModule = embed "worker.js")],
      compatibilityDate = "2025-01-01",
      bindings = [${[
        text("API_URL", standIn.url),
        text("ACCOUNT_ID", standIn.accountId),
        text("API_TOKEN", standIn.apiToken),
      ].join(", ")}],
      globalOutbound = "loopback",
    )),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
  );
  child = spawn(workerd, ["serve", "config.capnp", "--experimental"], {
    cwd: directory,
    env: {},
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const started = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    if (started?.status === 204) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`workerd did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 30_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await standIn?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

it("runs inside workerd: retries, ensures, uploads multipart and reports a refusal", async () => {
  standIn.failNext(1, 429);
  const response = await fetch(workerUrl);
  const text = await response.text();
  expect(response.status, `${text}\n${output}`).toBe(200);
  const answer = JSON.parse(text) as {
    kv: { id: string; title: string };
    script: { id: string };
    refused: { tag: string; call: string; status: number; message: string };
  };
  expect(answer.kv.title).toBe("from-a-worker");
  expect(answer.script.id).toBe("from-a-worker");
  expect(answer.refused).toMatchObject({ tag: "CloudflareApiError", call: "r2.createBucket", status: 400 });
  expect(answer.refused.message).toContain("The specified bucket name is not valid. (code 10005)");
  expect(standIn.state.requests[0]?.status).toBe(429);
  const [script] = standIn.state.scripts;
  expect(script?.modules.map(({ name, contentType }) => ({ name, contentType }))).toEqual([
    { name: "index.js", contentType: "application/javascript+module" },
    { name: "bytes.bin", contentType: "application/octet-stream" },
  ]);
  expect(script?.modules[1]?.content).toEqual(new Uint8Array([0, 255, 1]));
  expect(script?.metadata["bindings"]).toEqual([
    { type: "kv_namespace", name: "KV", namespace_id: answer.kv.id },
  ]);
}, 30_000);
