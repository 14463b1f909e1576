/** The machine's PostgreSQL for tests: started when down, a fresh schema per test, a loud failure when absent. */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export const TEST_DATABASE_URL =
  process.env["W7S_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

const START_COMMAND = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

const probe = async (): Promise<unknown> => {
  const client = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.end({ timeout: 1 });
  }
};

/** Connects, starting the local cluster once if needed; throws a message saying what to do otherwise. */
export const requirePostgres = async (): Promise<void> => {
  if ((await probe()) === undefined) return;
  try {
    execFileSync("sh", ["-c", START_COMMAND], { stdio: "ignore" });
  } catch {
    // The probe below reports the failure.
  }
  const error = await probe();
  if (error === undefined) return;
  throw new Error(
    `Postgres tests need a server at ${TEST_DATABASE_URL} (set W7S_TEST_DATABASE_URL to use another); ` +
      `starting it with \`${START_COMMAND}\` did not help: ${error instanceof Error ? error.message : String(error)}`,
  );
};

const created: string[] = [];

/** A schema name no other test or run uses; dropped by `dropTestSchemas`. */
export const freshSchemaName = (): string => {
  const name = `w7s_test_${randomBytes(6).toString("hex")}`;
  created.push(name);
  return name;
};

export const dropTestSchemas = async (): Promise<void> => {
  if (created.length === 0) return;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    for (const name of created.splice(0)) await admin.unsafe(`drop schema if exists "${name}" cascade`);
  } finally {
    await admin.end({ timeout: 1 });
  }
};
