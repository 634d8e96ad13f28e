// The processes a benchmark starts, and how they are stopped: glassbox's production build on its
// own embedded PostgreSQL in a temporary directory, IPC workers, any other server. Nothing started
// here outlives the benchmark, not even after an uncaught error.
import { fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { freePort, HOST, log, request, ROOT, sleep } from "./common.mjs";

const children = new Set();
const dataDirs = new Set();

/** Remembers a child process, so that it is killed if the benchmark itself dies. */
export function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

process.on("exit", () => {
  // Last resort (an uncaught error): nothing may outlive the benchmark, PostgreSQL included.
  for (const child of children) child.kill("SIGKILL");
  for (const dataDir of dataDirs) {
    killPostgres(dataDir, "SIGQUIT");
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** SIGINT/SIGTERM run `shutdown` (stop everything started), then exit 130. */
export function onInterrupt(shutdown) {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void shutdown().finally(() => process.exit(130));
    });
  }
}

/** Signals a child and waits for it to exit; SIGKILL after `graceMs`. */
export async function stopChild(child, signal, graceMs) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  const timer = sleep(graceMs).then(() => "timeout");
  if ((await Promise.race([exited, timer])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

/** The last `keep` lines a child wrote to stdout and stderr (a live array). */
export function tail(child, keep = 400) {
  const lines = [];
  let partial = "";
  const onData = (chunk) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (lines.length > keep) lines.shift();
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  return lines;
}

/** Signals the embedded PostgreSQL of a glassbox data directory, if it still runs; true if it did. */
function killPostgres(dataDir, signal) {
  const pidFile = join(dataDir, "postgres", "postmaster.pid");
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

/** The most recently modified file among `paths` (files, or folders walked; relative to `root`). */
export function newestSource(paths, root = ROOT) {
  let newest;
  const visit = (path) => {
    const stat = statSync(join(root, path));
    if (stat.isDirectory()) {
      for (const name of readdirSync(join(root, path))) visit(join(path, name));
    } else if (!newest || stat.mtimeMs > newest.mtimeMs) {
      newest = { path, mtimeMs: stat.mtimeMs };
    }
  };
  for (const path of paths) if (existsSync(join(root, path))) visit(path);
  return newest;
}

/**
 * Starts glassbox's production build (`node build/main.js`, NODE_ENV=production, LOG_LEVEL=warn, a
 * fresh SESSION_SECRET, DATA_DIR in a temporary directory, a free port on 127.0.0.1) and waits
 * until /ready answers 200. A build older than app/, server/ or db/ adds a note to `notes`.
 * `nodeFlags` go to node (say, --cpu-prof); `env` overrides the environment above (LOG_LEVEL, say).
 */
export async function startGlassbox({ notes, nodeFlags = [], env: overrides = {}, benchCommand = "npm run bench:…" }) {
  const entry = join(ROOT, "build/main.js");
  if (!existsSync(entry))
    throw new Error(`build/main.js is missing: run \`npm run build\` first (npm run build && ${benchCommand})`);
  const newer = newestSource(["app", "server", "db"]);
  if (newer && newer.mtimeMs > statSync(entry).mtimeMs) {
    notes.push(
      `build/main.js is older than ${newer.path}: these figures are for the last build, not the working tree (run npm run build first).`,
    );
    log(`warning: ${notes.at(-1)}`);
  }
  const dataDir = mkdtempSync(join(os.tmpdir(), "glassbox-bench-"));
  dataDirs.add(dataDir);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    HOST,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    SESSION_SECRET: randomBytes(64).toString("base64url"),
    ...overrides,
  };
  let child;
  try {
    child = track(
      spawn(process.execPath, [...nodeFlags, entry], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }),
    );
    const lines = tail(child);
    const origin = `http://${HOST}:${port}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`glassbox exited with ${child.exitCode} before it was ready:\n${lines.join("\n")}`);
      try {
        const ready = await request(origin, { path: "/ready" });
        if (ready.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`glassbox was not ready within 90 s:\n${lines.join("\n")}`);
      await sleep(100);
    }
    return { name: "glassbox", child, pid: child.pid, origin, dataDir, lines };
  } catch (error) {
    await stopGlassbox({ child, dataDir });
    throw error;
  }
}

/** SIGTERM (graceful: streams end, PostgreSQL stops), then the data directory is removed. */
export async function stopGlassbox({ child, dataDir }) {
  await stopChild(child, "SIGTERM", 20_000);
  // After a SIGKILL the embedded PostgreSQL it started could outlive it: stop that one too.
  if (killPostgres(dataDir, "SIGINT")) await sleep(2_000);
  rmSync(dataDir, { recursive: true, force: true });
  dataDirs.delete(dataDir);
}

/**
 * Starts a plain Node server script that prints `{"port": <port>}` as its first line on stdout
 * (bench/lib/bare-broadcaster.mjs, bench/minimal-app/server.mjs) with PORT=0 and `env`. It gets an
 * IPC channel only so that it can stop itself when the benchmark goes away (`disconnect`).
 */
export async function startPortServer(name, script, { env = {}, nodeFlags = [] } = {}) {
  const child = track(
    spawn(process.execPath, [...nodeFlags, script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    }),
  );
  const lines = tail(child);
  const port = await new Promise((resolve, reject) => {
    let out = "";
    const onData = (chunk) => {
      out += chunk;
      if (!out.includes("\n")) return;
      child.stdout.off("data", onData);
      try {
        resolve(JSON.parse(out.split("\n")[0]).port);
      } catch {
        reject(new Error(`${name} printed ${out.split("\n")[0]} instead of {"port": …}`));
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`${name} exited with ${code} before it listened:\n${lines.join("\n")}`)),
    );
  });
  return { name, child, pid: child.pid, origin: `http://${HOST}:${port}`, lines };
}

/**
 * Forks a worker script that answers IPC commands `{cmd, id, …}` with `{type, id, …}` (`type:
 * "error"` rejects). Returns `call(message)`, a promise of the reply.
 */
export function forkWorker(script, index) {
  const child = track(fork(script, [], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  const pending = new Map();
  let nextId = 0;
  child.on("message", (message) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.type === "error") waiter.reject(new Error(`worker ${index}: ${message.error}`));
    else waiter.resolve(message);
  });
  child.once("exit", (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker ${index} exited with ${code}`));
    pending.clear();
  });
  child.on("error", () => undefined); // a send after it exited: the call below rejects instead
  return {
    index,
    child,
    call(message) {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`worker ${index} is gone`));
        pending.set(id, { resolve, reject });
        child.send({ ...message, id }, (error) => {
          if (!error) return;
          pending.delete(id);
          reject(error);
        });
      });
    },
  };
}
