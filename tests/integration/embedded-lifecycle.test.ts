import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type RunningServer } from "../support/server.ts";

/** The zero-setup path: no DATABASE_URL, an embedded PostgreSQL in DATA_DIR that outlives restarts. */
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "glassbox-embedded-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const postmasterPid = async () =>
  Number((await readFile(join(dataDir, "postgres/postmaster.pid"), "utf8")).split("\n")[0]);
const postgresUrl = async () => {
  const lines = (await readFile(join(dataDir, "postgres/postmaster.pid"), "utf8")).split("\n");
  const { user, password } = JSON.parse(await readFile(join(dataDir, "postgres-credentials.json"), "utf8"));
  return `postgres://${user}:${password}@127.0.0.1:${lines[3]}/glassbox`;
};
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A slow client: the request for the home page stays in flight until `finish` sends its last line. */
function requestInFlight(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/html\r\n`);
  let reply = "";
  socket.on("data", (chunk) => (reply += chunk.toString()));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(reply)));
  return { finish: () => socket.write("\r\n"), reply: closed };
}

let first: RunningServer;

it("first start creates the cluster, migrates it and serves the site", async () => {
  first = await startServer({ DATA_DIR: dataDir });
  expect(first.logs().some((line) => line.msg?.startsWith("creating the embedded PostgreSQL cluster"))).toBe(true);
  expect((await fetch(new URL("/", first.url))).status).toBe(200);
  expect(await (await fetch(new URL("/health", first.url))).text()).toBe("OK");
  expect((await fetch(new URL("/ready", first.url))).status).toBe(200);
  const client = new pg.Client({ connectionString: await postgresUrl() });
  await client.connect();
  await client.query("INSERT INTO action_logs (action) VALUES ('test.persisted')");
  await client.end();
}, 60_000);

it("SIGTERM lets an in-flight request finish, stops PostgreSQL and exits 0 (the same signal twice at once counts once, as Ctrl-C relayed by tsx)", async () => {
  const pid = await postmasterPid();
  expect(isAlive(pid)).toBe(true);
  const inFlight = requestInFlight(first.url);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const signalled = Date.now();
  first.process.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 50));
  first.process.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 450));
  expect(first.process.exitCode).toBeNull(); // still draining: the request has not finished
  inFlight.finish();
  const reply = await inFlight.reply;
  expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
  expect(reply).toContain("Software you can see running");
  expect(reply).toMatch(/<\/html>/); // the whole page arrived
  expect(await first.exited).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(10_000);
  expect(isAlive(pid)).toBe(false);
  expect(first.logs().some((line) => line.msg === "embedded PostgreSQL stopped")).toBe(true);
}, 30_000);

it("a second start reuses the cluster, its data and the development session secret", async () => {
  const secret = await readFile(join(dataDir, "session-secret"), "utf8");
  const second = await startServer({ DATA_DIR: dataDir });
  try {
    expect(second.logs().some((line) => line.msg?.startsWith("creating the embedded PostgreSQL cluster"))).toBe(false);
    const client = new pg.Client({ connectionString: await postgresUrl() });
    await client.connect();
    const { rows } = await client.query("SELECT action FROM action_logs");
    await client.end();
    expect(rows).toEqual([{ action: "test.persisted" }]);
    expect(await readFile(join(dataDir, "session-secret"), "utf8")).toBe(secret);
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 60_000);

it("a second process on the same data directory is refused with a clear message", async () => {
  const owner = await startServer({ DATA_DIR: dataDir });
  try {
    await expect(startServer({ DATA_DIR: dataDir })).rejects.toThrow(/in use by glassbox process \d+/);
  } finally {
    expect(await owner.stop()).toBe(0);
  }
}, 60_000);

it("restarts a killed PostgreSQL and serves again within 10 s, then stops the new server at shutdown", async () => {
  const owner = await startServer({ DATA_DIR: dataDir });
  try {
    const killed = await postmasterPid();
    process.kill(killed, "SIGKILL");
    const killedAt = Date.now();
    // A page that reads the database (the chat history), not only /ready.
    let served = false;
    while (!served && Date.now() - killedAt < 10_000) {
      const [ready, page] = await Promise.all([
        fetch(new URL("/ready", owner.url)),
        fetch(new URL("/chat", owner.url)),
      ]);
      served = ready.status === 200 && page.status === 200;
      if (!served) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(served, "ready and /chat answered 200 within 10 s of the kill").toBe(true);
    const restarted = await postmasterPid();
    expect(restarted).not.toBe(killed);
    expect(isAlive(restarted)).toBe(true);
    expect(owner.logs().some((line) => line.msg === "embedded PostgreSQL is not running: starting it again")).toBe(
      true,
    );
    expect(owner.logs().some((line) => line.msg === "embedded PostgreSQL restarted")).toBe(true);

    expect(await owner.stop()).toBe(0);
    expect(isAlive(restarted), "the restarted server is stopped at shutdown").toBe(false);
  } finally {
    await owner.stop();
  }
}, 60_000);
