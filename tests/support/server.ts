import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = `${ROOT}build/main.js`;

export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: () => LogLine[];
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export type LogLine = { msg?: string; level?: number } & Record<string, unknown>;

/** The production build, as `npm start` runs it, with JSON logs and a free port unless told otherwise. */
export function spawnServer(env: Record<string, string | undefined>): { process: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(ENTRY)) throw new Error("build/main.js is missing: run `npm run build` before the integration tests");
  const child = spawn(process.execPath, [ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: "json", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

export async function startServer(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<RunningServer> {
  const { process: child, output, exited } = spawnServer(env);
  const logs = () =>
    output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    url = logs().find((line) => line.msg === "glassbox is listening")?.url as string | undefined;
    if (url) break;
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    process: child,
    logs,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
