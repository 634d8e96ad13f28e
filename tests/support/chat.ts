import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "#app/models/database.server.ts";
import { createBrowser, newAccount, type Browser } from "./browser.ts";
import { registerAndConfirm } from "./mail.ts";
import { openSse, type SseOptions, type SseStream } from "./sse-client.ts";

/** Helpers shared by the chat integration tests: members, posts, moderation and streams. */
export interface Member {
  readonly browser: Browser;
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly password: string;
}

/** Registers a fresh account on `url` and confirms it through its mail; returns its signed-in browser and id. */
export async function registerMember(
  db: Kysely<Database>,
  url: string,
  prefix = "chat",
  email?: string,
): Promise<Member> {
  const account = newAccount(prefix);
  const fields = { ...account, email: email ?? account.email };
  const browser = createBrowser(url);
  await registerAndConfirm(db, browser, fields);
  const row = await db.selectFrom("users").select("id").where("email", "=", fields.email).executeTakeFirstOrThrow();
  return { browser, id: row.id, username: fields.username, email: fields.email, password: fields.password };
}

/** The same account signed in on another server (another instance) or device. */
export async function signInElsewhere(member: Member, url: string): Promise<Browser> {
  const browser = createBrowser(url);
  const response = await browser.post("/login", { email: member.email, password: member.password });
  expect(response.status, `sign in ${member.email} on ${url}`).toBe(303);
  return browser;
}

export const postMessage = (browser: Browser, body: string, room = "lobby") =>
  browser.post(`/chat?room=${room}`, { intent: "post", body });

/** Posts and expects the 303 of an accepted message. */
export async function post(browser: Browser, body: string, room = "lobby"): Promise<void> {
  const response = await postMessage(browser, body, room);
  expect(
    response.status,
    `post "${body.slice(0, 40)}": ${response.status === 303 ? "" : (await response.text()).slice(0, 300)}`,
  ).toBe(303);
}

export async function messageRow(db: Kysely<Database>, body: string) {
  return db.selectFrom("chat_messages").selectAll().where("body", "=", body).executeTakeFirstOrThrow();
}

export const decide = (moderator: Browser, messageId: string, decision: "approved" | "removed") =>
  moderator.post("/chat/moderation", { decision, messageId });

/** The chat event stream of one tab on `url`, as `browser` (its cookie) or a guest. */
export function openChatStream(
  url: string,
  options: { browser?: Browser; room?: string; after?: string; tab?: string } & SseOptions = {},
): Promise<SseStream> {
  const query = new URLSearchParams({
    tab: options.tab ?? randomUUID(),
    room: options.room ?? "lobby",
    ...(options.after ? { after: options.after } : {}),
  });
  const headers: Record<string, string> = { ...options.headers };
  if (options.browser?.cookie) headers.cookie = options.browser.cookie;
  return openSse(new URL(`/events?${query}`, url), { ...options, headers });
}

/**
 * Checks the stream opened. The hub registers a subscriber before the loader returns its response,
 * so once the headers are here a message posted next must reach it (no pause needed).
 */
export function opened(stream: SseStream): SseStream {
  expect(stream.status, stream.text()).toBe(200);
  expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
  return stream;
}

/** Unique, readable bodies. */
let bodyCounter = 0;
export const uniqueBody = (label: string) => `${label} ${++bodyCounter} ${randomUUID().slice(0, 8)}`;
