import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";

const FILE = "session-secret";

/**
 * Outside production, a missing SESSION_SECRET is generated once and kept beside the local data,
 * so sessions survive restarts; production refuses to start without one (config.ts).
 */
export async function resolveSessionSecrets(config: Config, logger: Logger): Promise<readonly string[]> {
  if (config.sessionSecrets) return config.sessionSecrets;
  const path = join(config.dataDir, FILE);
  const existing = await readFile(path, "utf8").catch(() => undefined);
  if (existing?.trim()) {
    logger.warn({ path }, "SESSION_SECRET is unset: using the development secret kept in the data directory");
    return [existing.trim()];
  }
  const secret = randomBytes(64).toString("base64url");
  await mkdir(config.dataDir, { recursive: true });
  try {
    // "wx": when two instances start at once, the second adopts the first one's secret.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return [(await readFile(path, "utf8")).trim()];
  }
  logger.warn({ path }, "SESSION_SECRET is unset: generated a development secret (set SESSION_SECRET in production)");
  return [secret];
}
