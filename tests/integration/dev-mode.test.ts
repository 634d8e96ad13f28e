import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createBrowser, newAccount } from "../support/browser.ts";
import { opened, openChatStream, post, uniqueBody } from "../support/chat.ts";
import { followConfirmation } from "../support/mail.ts";
import { startDevServer, type RunningServer } from "../support/server.ts";
import { waitForBody, type SseStream } from "../support/sse-client.ts";

/**
 * `npm run dev`, as the app's developers run it: the same server with Vite in middleware mode, on
 * its own port and its own data directory (so its own embedded PostgreSQL, jobs run in-process and
 * mail kept at /dev/mailbox). Pages render through Vite, and a chat message reaches a stream.
 */
let dataDir: string;
let dev: RunningServer;
let stream: SseStream | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "glassbox-dev-"));
  dev = await startDevServer({ NODE_ENV: "development", DATA_DIR: dataDir });
}, 90_000);
afterAll(async () => {
  stream?.close();
  // Ctrl-C in a terminal: SIGINT to npm, tsx, the server and its PostgreSQL alike; the server still stops in order.
  await dev?.stop("SIGINT");
  expect(dev?.logs().map((line) => line.msg)).toEqual(
    expect.arrayContaining(["embedded PostgreSQL stopped", "shutdown complete"]),
  );
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

it("serves / and /lab through Vite", async () => {
  const browser = createBrowser(dev.url);
  for (const path of ["/", "/lab"]) {
    const response = await browser.get(path);
    const html = await response.text();
    expect(response.status, `${path}: ${html.slice(0, 500)}`).toBe(200);
    // The route's module is its source, which Vite transforms on request (a build would name a hashed asset).
    const route = /"module":\s*"(\/app\/routes\/[^"]+\.tsx)"/.exec(html)?.[1];
    expect(route, `${path} names its route's source module`).toBeDefined();
    const module = await browser.get(route ?? "");
    expect(module.status).toBe(200);
    expect(module.headers.get("content-type")).toMatch(/javascript/);
  }
}, 60_000);

it("takes a chat message from a confirmed member and streams it", async () => {
  const member = createBrowser(dev.url);
  const account = newAccount("dev");
  expect((await member.post("/register", account)).status).toBe(303);
  // The web process runs the mail job itself and keeps the mail in the development mailbox.
  let token: string | undefined;
  await expect
    .poll(
      async () =>
        (token = /\/verify-email\?token=([\w-]{43})/.exec(
          await (await member.get(`/dev/mailbox?${new URLSearchParams({ to: account.email })}`)).text(),
        )?.[1]),
      { timeout: 15_000 },
    )
    .toBeDefined();
  await followConfirmation(member, `/verify-email?token=${token}`);

  stream = opened(await openChatStream(dev.url, { browser: member, tab: randomUUID() }));
  const body = uniqueBody("from dev mode");
  await post(member, body);
  await waitForBody(stream, body);
}, 60_000);
