import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRIES = { web: `${ROOT}build/main.js`, worker: `${ROOT}build/worker.js` } as const;
/** What starts: the build's web or worker entry, or `dev`, `npm run dev` (Vite in middleware mode, no build needed). */
export type Entry = keyof typeof ENTRIES | "dev";

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

/**
 * The production build, as `npm start` (or, with entry "worker", `npm run worker`) runs it, with
 * JSON logs and a free port unless told otherwise.
 */
export function spawnServer(
  env: Record<string, string | undefined>,
  entry: Entry = "web",
): {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
} {
  if (entry !== "dev" && !existsSync(ENTRIES[entry]))
    throw new Error(`${ENTRIES[entry]} is missing: run \`npm run build\` before the integration tests`);
  // npm runs the dev server through a shell and tsx: in a process group of its own, so a signal reaches all of them.
  const child = spawn(
    entry === "dev" ? "npm" : process.execPath,
    entry === "dev" ? ["run", "--silent", "dev"] : [ENTRIES[entry]],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: "json", HOST: "127.0.0.1", PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: entry === "dev",
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const group = entry === "dev" ? child.pid : undefined;
  // Behind npm, the server's last lines arrive after npm has exited: wait for the pipes to close and the group to end.
  const exited =
    group === undefined
      ? new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      : new Promise<number | null>((resolve) =>
          child.once("close", (code) => resolve(groupGone(group).then(() => code))),
        );
  const kill = (signal: NodeJS.Signals) => (group === undefined ? child.kill(signal) : signalGroup(group, signal));
  return { process: child, output: () => output, exited, kill };
}

/** Signals every process of a group; false when none is left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    return process.kill(-group, signal);
  } catch {
    return false;
  }
}

/** Resolves once every process of the group has ended (the server behind npm stops after npm itself). */
async function groupGone(group: number): Promise<void> {
  while (signalGroup(group, 0)) await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function startServer(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<RunningServer> {
  const started = await startUntil("web", env, "glassbox is listening", timeoutMs);
  return { ...started, url: started.ready.url as string };
}

export type RunningWorker = Omit<RunningServer, "url">;

/** `npm run dev` (the same server, with Vite in middleware mode), once it listens. */
export async function startDevServer(
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<RunningServer> {
  const started = await startUntil("dev", env, "glassbox is listening", timeoutMs);
  return { ...started, url: started.ready.url as string };
}

/** `npm run worker` from the build, once graphile-worker is running its task list. */
export async function startWorker(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<RunningWorker> {
  return startUntil("worker", env, "job worker started", timeoutMs);
}

async function startUntil(
  entry: Entry,
  env: Record<string, string | undefined>,
  readyMessage: string,
  timeoutMs: number,
) {
  const { process: child, output, exited, kill } = spawnServer(env, entry);
  const logs = () =>
    output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  const deadline = Date.now() + timeoutMs;
  let ready: LogLine | undefined;
  while (!ready) {
    ready = logs().find((line) => line.msg === readyMessage);
    if (ready) break;
    if (child.exitCode !== null)
      throw new Error(`${entry} exited with ${child.exitCode} before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      kill("SIGKILL");
      throw new Error(`${entry} was not ready within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    ready,
    process: child,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null) kill(signal);
      return exited;
    },
  };
}
