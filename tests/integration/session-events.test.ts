import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { newAccount } from "../support/browser.ts";
import { registerAndConfirm } from "../support/mail.ts";
import { OAuthTestClient } from "../support/oauth-client.ts";
import type { RunningServer } from "../support/server.ts";
import { openSse, type SseStream } from "../support/sse-client.ts";
import { twoInstancesOnOneDatabase } from "../support/two-instances.ts";

/**
 * The `session` live event (DESIGN.md, the SSE stream): a sign-in or sign-out in one tab reaches the
 * visitor's other tabs, and a session revoked elsewhere reaches the account's tabs, across two
 * instances on one database (NOTIFY `session_events`). The tab then loads its page data again.
 */
const cluster = twoInstancesOnOneDatabase();

/** A tab's stream on `server`, with the client's cookies (visitor and session). */
async function tab(client: OAuthTestClient, server: RunningServer): Promise<SseStream> {
  const stream = await openSse(
    new URL(`/events?${new URLSearchParams({ tab: randomUUID(), room: "lobby" })}`, server.url),
    { headers: { cookie: client.jar.header() ?? "" } },
  );
  expect(stream.status).toBe(200);
  cluster.streams.push(stream);
  return stream;
}

const sessionEvents = (stream: SseStream) =>
  stream.frames
    .filter((frame) => frame.event === "session")
    .map((frame) => JSON.parse(frame.data) as { change: string });
const waitForChange = (stream: SseStream, change: string) =>
  stream.waitFor(
    (frames) => frames.some((frame) => frame.event === "session" && frame.data.includes(`"${change}"`)),
    10_000,
    `a session event "${change}"`,
  );

it("tells the visitor's other tabs of a sign-in and a sign-out, and the account's tabs of a revocation, on another instance", async () => {
  const { a, b } = cluster;
  const browser = new OAuthTestClient(a.url);
  await browser.get("/");
  const otherTab = await tab(browser, b);

  const account = newAccount("live");
  await registerAndConfirm(cluster.database.db, browser, account); // the confirmation link signs in
  await waitForChange(otherTab, "signed-in");

  const device = new OAuthTestClient(a.url);
  expect((await device.post("/login", { email: account.email, password: account.password })).status).toBe(303);
  const deviceTab = await tab(device, b);
  const bystander = await tab(new OAuthTestClient(b.url), b);
  expect((await browser.post("/account", { intent: "sign-out-others" })).status).toBe(303);
  await waitForChange(deviceTab, "revoked");

  expect((await browser.post("/logout")).status).toBe(303);
  await waitForChange(otherTab, "signed-out");
  // Only the visitor's and the account's own streams heard of any of it.
  expect(sessionEvents(bystander)).toEqual([]);
  expect(sessionEvents(deviceTab).map((event) => event.change)).toEqual(["revoked"]);
});
