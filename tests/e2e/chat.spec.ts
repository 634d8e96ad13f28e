import {
  expect,
  type APIRequest,
  type APIRequestContext,
  type Browser,
  type Locator,
  type Page,
  type Request,
  type Response,
} from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test, type Members } from "./members.ts";
import { header, javaScriptEnabled, newDevice, unique, type Account } from "./support.ts";

/**
 * The live chat end to end: live fan-out between members, posting with and without scripts,
 * moderation (approve and remove, seen live), the guest's demo bot, the message rate limit,
 * "Load older messages", and accessibility of the room and the moderation queue.
 *
 * Tests run in parallel on one server and database, and there are only three rooms, so every test
 * makes its own accounts and tags its messages with a unique text. Rooms are spread so that no test
 * depends on a room's newest 50 while another floods it: Support belongs to the "Load older" test.
 * Members start signed in (tests/e2e/members.ts): no test spends a sign-up or a sign-in attempt.
 */

interface Room {
  readonly id: "lobby" | "demo" | "support";
  readonly name: string;
}

const LOBBY: Room = { id: "lobby", name: "Lobby" };
const DEMO: Room = { id: "demo", name: "Demo" };
const SUPPORT: Room = { id: "support", name: "Support" };

/** Live updates should arrive well within this. */
const LIVE = { timeout: 5_000 };

function baseURL(): string {
  const url = test.info().project.use.baseURL;
  if (!url) throw new Error("the project has no baseURL");
  return url;
}

/** Requests made outside the browser name the site as a browser would (the server refuses other origins). */
function originHeader(): Record<string, string> {
  return { Origin: new URL(baseURL()).origin };
}

/** A unique tag for this test's messages. */
function newTag(label: string): string {
  return `${label} ${javaScriptEnabled() ? "js" : "nojs"} ${unique()}`;
}

/** A member outside any browser: its own cookie jar, for posting in bulk. */
async function apiMember(
  members: Members,
  api: APIRequest,
  prefix: string,
): Promise<{ account: Account; request: APIRequestContext }> {
  const { account, cookie } = await members.create(prefix);
  return {
    account,
    request: await api.newContext({ baseURL: baseURL(), storageState: { cookies: [cookie], origins: [] } }),
  };
}

/** Opens the room as a member's browser would (which joins it), without rendering it. */
async function apiOpen(request: APIRequestContext, room: Room): Promise<void> {
  expect((await request.get(`/chat?room=${room.id}`)).status()).toBe(200);
}

/** Posts a message as the page's form does without scripts: 303 back to the room. */
async function apiPost(request: APIRequestContext, room: Room, body: string): Promise<void> {
  const response = await request.post(`/chat?room=${room.id}`, {
    form: { intent: "post", body },
    headers: originHeader(),
    maxRedirects: 0,
  });
  expect(response.status(), `posting "${body}"`).toBe(303);
  expect(response.headers().location).toBe(`/chat?room=${room.id}`);
}

/** admin@e2e.test makes the member a moderator at /admin, in a browser of its own. */
async function makeModerator(browser: Browser, members: Members, member: Account): Promise<void> {
  const admin = await newDevice(browser);
  try {
    await members.signIn(admin.page, "chatadm", { role: "admin" });
    await admin.page.goto(`/admin?q=${member.username}`);
    const card = admin.page
      .getByRole("region", { name: "Accounts" })
      .getByRole("listitem")
      .filter({ hasText: member.email });
    await expect(card).toContainText("member, joined");
    await card.getByRole("button", { name: `Make moderator (${member.username})` }).click();
    await expect(admin.page.getByRole("status")).toHaveText("The member is now a moderator.");
  } finally {
    await admin.context.close();
  }
}

function isChatStream(request: Request): boolean {
  return new URL(request.url()).pathname === "/events";
}

/** Opens the room; with scripts, waits until the page is hydrated and has opened its event stream. */
async function openRoom(page: Page, room: Room, query = ""): Promise<void> {
  const stream = javaScriptEnabled() ? page.waitForRequest(isChatStream, { timeout: 10_000 }) : undefined;
  const response = await page.goto(`/chat?room=${room.id}${query}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: `Chat: ${room.name}` })).toBeVisible();
  await stream;
}

function messageList(page: Page, room: Room): Locator {
  return page.getByRole("list", { name: `Messages in ${room.name}` });
}

/** The room's messages (not the "No messages yet" line). */
function messagesOf(page: Page, room: Room): Locator {
  return messageList(page, room).locator("li[data-message-id]");
}

function message(page: Page, room: Room, text: string): Locator {
  return messagesOf(page, room).filter({ hasText: text });
}

function messageBox(page: Page): Locator {
  return page.getByLabel("Message", { exact: true });
}

/**
 * Where a chat form's POST leaves the page: without scripts the browser keeps the form's fragment
 * through the 303, so the page comes back at the box; with them the room's URL is all there is.
 */
function roomUrl(query: string): RegExp {
  return new RegExp(`/chat${query.replace("?", "\\?")}${javaScriptEnabled() ? "" : "#chat-compose"}$`);
}

/**
 * Holds the page's chat POSTs on the network until `release` is called: a slow connection, made
 * certain. `posts` counts the POSTs the page sent.
 */
async function holdChatPosts(page: Page): Promise<{ release: () => void; posts: () => number }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let posts = 0;
  await page.route(
    (url) => url.pathname === "/chat.data",
    async (route) => {
      if (route.request().method() === "POST") {
        posts += 1;
        await held;
      }
      await route.continue();
    },
  );
  return { release: () => release(), posts: () => posts };
}

/** The chat form's POST: the document request without scripts, `/chat.data` with them. */
function isChatPost(response: Response): boolean {
  return response.request().method() === "POST" && /^\/chat(\.data)?$/.test(new URL(response.url()).pathname);
}

/**
 * Types and sends a message through the page's form; returns the POST's response. Once accepted,
 * the box is empty (with scripts it empties as the message leaves; without, the page comes back).
 */
async function send(page: Page, text: string): Promise<Response> {
  await messageBox(page).fill(text);
  const [response] = await Promise.all([
    page.waitForResponse(isChatPost),
    page.getByRole("button", { name: "Send" }).click(),
  ]);
  if (response.status() < 400) await expect(messageBox(page)).toHaveValue("");
  return response;
}

/** Sends a message that everyone may see and waits for it to show on the author's page. */
async function post(page: Page, room: Room, text: string): Promise<void> {
  const response = await send(page, text);
  expect(response.status(), `posting "${text}"`).toBeLessThan(400);
  await expect(message(page, room, text)).toBeVisible();
}

/** A value on `window` that only survives as long as the document does: no reload, no navigation. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => Object.assign(window, { __chatMarker: "still the same document" }));
}

async function expectSameDocument(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __chatMarker?: string }).__chatMarker)).toBe(
    "still the same document",
  );
}

async function messageIds(list: Locator): Promise<bigint[]> {
  const ids = await list.evaluateAll((items) => items.map((item) => item.getAttribute("data-message-id") ?? ""));
  return ids.map((id) => BigInt(id));
}

test.describe("chat", () => {
  test(
    "a message from one member appears live on another member's open page",
    { tag: "@scripts" },
    async ({ browser, members }) => {
      const tag = newTag("live");
      const alice = await newDevice(browser);
      const bob = await newDevice(browser);
      try {
        const [aliceAccount, bobAccount] = await Promise.all([
          members.signIn(alice.context, "liva"),
          members.signIn(bob.context, "livb"),
        ]);

        await openRoom(alice.page, LOBBY);
        await expect(header(alice.page)).toContainText(`Signed in as ${aliceAccount.username}`);
        // A first message, so that Bob's page has a newest message to resume its stream after.
        await post(alice.page, LOBBY, `${tag} hello before Bob arrives`);

        await openRoom(bob.page, LOBBY);
        await expect(message(bob.page, LOBBY, `${tag} hello before Bob arrives`)).toBeVisible();
        await markDocument(bob.page);
        await markDocument(alice.page);

        const fromAlice = `${tag} from Alice, live`;
        await post(alice.page, LOBBY, fromAlice);
        await expect(message(bob.page, LOBBY, fromAlice)).toBeVisible(LIVE);
        await expect(message(bob.page, LOBBY, fromAlice)).toContainText(aliceAccount.username);
        await expect(message(bob.page, LOBBY, fromAlice)).toHaveCount(1);
        await expectSameDocument(bob.page);
        await expect(bob.page).toHaveURL(/\/chat\?room=lobby$/);

        const fromBob = `${tag} and back from Bob`;
        await post(bob.page, LOBBY, fromBob);
        await expect(message(alice.page, LOBBY, fromBob)).toBeVisible(LIVE);
        await expect(message(alice.page, LOBBY, fromBob)).toContainText(bobAccount.username);
        await expectSameDocument(alice.page);

        // Both pages show the conversation once each, in order.
        for (const page of [alice.page, bob.page]) {
          await expect(messagesOf(page, LOBBY).filter({ hasText: tag })).toHaveText([
            new RegExp(`${tag} hello before Bob arrives`),
            new RegExp(fromAlice),
            new RegExp(fromBob),
          ]);
        }
      } finally {
        await alice.context.close();
        await bob.context.close();
      }
    },
  );

  test("posting a message brings the room back with the message (303 without scripts)", async ({ page, members }) => {
    const member = await members.signIn(page, "post");
    await openRoom(page, DEMO);
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
    const text = newTag("posted");

    await markDocument(page);
    const response = await send(page, text);
    if (javaScriptEnabled()) {
      // Scripts post in the background and reload the room's data: the document stays.
      expect(response.status()).toBeLessThan(400);
      await expectSameDocument(page);
    } else {
      expect(response.status()).toBe(303);
      expect(response.headers().location).toBe("/chat?room=demo");
    }
    await expect(page).toHaveURL(roomUrl("?room=demo"));
    await expect(page.getByRole("heading", { level: 1, name: "Chat: Demo" })).toBeVisible();
    const posted = message(page, DEMO, text);
    await expect(posted).toHaveCount(1);
    await expect(posted.locator(".chat__meta")).toContainText(member.username);
    await expect(posted.locator(".chat__body")).toHaveText(text);
    await expect(posted).not.toContainText("pending review");
    await expect(messageBox(page)).toHaveValue("");
    await expect(page.getByRole("alert")).toHaveCount(0);

    // It is there for good: a fresh load of the room shows it too.
    await page.reload();
    await expect(message(page, DEMO, text)).toHaveCount(1);
  });

  test(
    "a moderator's approval and removal of held messages reach open pages live",
    { tag: "@scripts" },
    async ({ browser, members }) => {
      test.slow(); // four browser contexts: three members and the admin
      const tag = newTag("held");
      const author = await newDevice(browser);
      const reader = await newDevice(browser);
      const moderator = await newDevice(browser);
      try {
        const [authorAccount, , moderatorAccount] = await Promise.all([
          members.signIn(author.context, "hlda"),
          members.signIn(reader.context, "hldb"),
          members.signIn(moderator.context, "hldm"),
        ]);
        await makeModerator(browser, members, moderatorAccount);

        await openRoom(author.page, DEMO);
        await post(author.page, DEMO, `${tag} hello`);
        await openRoom(reader.page, DEMO);
        await expect(message(reader.page, DEMO, `${tag} hello`)).toBeVisible();
        await markDocument(author.page);
        await markDocument(reader.page);

        // A link holds the message: its author sees it marked, nobody else sees it.
        const toApprove = `${tag} approve me, see https://example.com`;
        expect((await send(author.page, toApprove)).status()).toBeLessThan(400);
        await expect(message(author.page, DEMO, toApprove)).toContainText("pending review");
        const fence = `${tag} after the held one`;
        await post(author.page, DEMO, fence);
        // Changes reach a page in commit order: once the later message is there, the held one would be too.
        await expect(message(reader.page, DEMO, fence)).toBeVisible(LIVE);
        await expect(message(reader.page, DEMO, toApprove)).toHaveCount(0);

        await moderator.page.goto("/chat");
        await header(moderator.page)
          .getByRole("navigation", { name: "Main" })
          .getByRole("link", { name: "Moderation" })
          .click();
        await expect(moderator.page).toHaveURL(/\/chat\/moderation$/);
        await expect(moderator.page.getByRole("heading", { level: 1, name: "Moderation queue" })).toBeVisible();
        const held = moderator.page.getByRole("listitem").filter({ hasText: toApprove });
        await expect(held).toHaveCount(1);
        await expect(held).toContainText(`${authorAccount.username} in Demo`);
        await expect(held).toContainText("(held: auto)");
        await held.getByRole("button", { name: `Approve the message from ${authorAccount.username}` }).click();
        await expect(moderator.page).toHaveURL(/\/chat\/moderation\?done=approved$/);
        await expect(moderator.page.getByRole("status")).toHaveText("Approved: everyone in the room sees it now.");
        await expect(held).toHaveCount(0);

        // Everyone sees it now, without reloading; the author's copy is no longer marked.
        await expect(message(reader.page, DEMO, toApprove)).toBeVisible(LIVE);
        await expect(message(reader.page, DEMO, toApprove)).toContainText(authorAccount.username);
        await expect(message(reader.page, DEMO, toApprove)).not.toContainText("pending review");
        await expect(message(author.page, DEMO, toApprove)).not.toContainText("pending review", LIVE);
        await expectSameDocument(reader.page);
        await expectSameDocument(author.page);

        // A second held message is removed: it disappears from its author's page, live.
        const toRemove = `${tag} remove me, see https://example.com`;
        expect((await send(author.page, toRemove)).status()).toBeLessThan(400);
        await expect(message(author.page, DEMO, toRemove)).toContainText("pending review");
        await markDocument(author.page);
        await moderator.page.goto("/chat/moderation");
        // A second tab holding the same queue, which will decide too late.
        const staleTab = await moderator.context.newPage();
        await staleTab.goto("/chat/moderation");
        const removeButton = `Remove the message from ${authorAccount.username}`;
        const heldAgain = moderator.page.getByRole("listitem").filter({ hasText: toRemove });
        await heldAgain.getByRole("button", { name: removeButton }).click();
        await expect(moderator.page.getByRole("status")).toHaveText("Removed.");
        await expect(heldAgain).toHaveCount(0);

        await expect(message(author.page, DEMO, toRemove)).toHaveCount(0, LIVE);
        await expectSameDocument(author.page);
        await expect(message(author.page, DEMO, toApprove)).toBeVisible();
        await expect(message(reader.page, DEMO, toRemove)).toHaveCount(0);

        // Deciding an already-decided message is a clear conflict on the page, not an error page.
        await staleTab
          .getByRole("listitem")
          .filter({ hasText: toRemove })
          .getByRole("button", { name: removeButton })
          .click();
        await expect(staleTab.getByRole("alert")).toHaveText("Another moderator has already decided on this message.");
        await expect(staleTab.getByRole("heading", { level: 1, name: "Moderation queue" })).toBeVisible();
      } finally {
        await author.context.close();
        await reader.context.close();
        await moderator.context.close();
      }
    },
  );

  test("a guest reads the room and asks the demo bot to post", async ({ page, playwright, members }) => {
    const text = newTag("history");
    const member = await apiMember(members, playwright.request, "hist");
    try {
      await apiPost(member.request, LOBBY, text);
    } finally {
      await member.request.dispose();
    }

    await openRoom(page, LOBBY);
    await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
    await expect(message(page, LOBBY, text)).toContainText(member.account.username);
    await expect(messageBox(page)).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Send" })).toHaveCount(0);
    await expect(page.getByRole("main").getByRole("link", { name: "Sign in", exact: true })).toHaveAttribute(
      "href",
      "/login?next=%2Fchat%3Froom%3Dlobby",
    );

    const botMessages = messagesOf(page, LOBBY).filter({
      has: page.locator(".chat__meta strong", { hasText: /^demo bot$/ }),
    });
    const before = new Set(await messageIds(botMessages));
    // Guests without a session share their address's allowance (one bot message per 10 s), which the
    // other project's guest may just have used: then the page says so, and a later press succeeds.
    const ask = page.getByRole("button", { name: "Ask the demo bot to post" });
    const posted = page.getByRole("status");
    const busy = page.getByRole("alert");
    await expect(async () => {
      await ask.click();
      await expect(posted.or(busy)).toBeVisible({ timeout: 5_000 });
      if (await busy.isVisible()) {
        await expect(busy).toHaveText(/^The demo bot needs a short break\. Try again in \d+ seconds?\.$/);
      }
      await expect(posted).toHaveText("The demo bot posted a message.", { timeout: 1_000 });
    }).toPass({ intervals: [3_000, 3_000, 4_000], timeout: 25_000 });
    await expect(page).toHaveURL(roomUrl("?room=lobby&done=bot"));
    await expect.poll(async () => (await messageIds(botMessages)).filter((id) => !before.has(id)).length, LIVE).toBe(1);
    await expect(message(page, LOBBY, text)).toBeVisible();
  });

  test("the sixth message within ten seconds is refused: slow down", async ({ page, members }) => {
    await members.signIn(page, "rate");
    await apiOpen(page.request, DEMO);
    const tag = newTag("burst");
    // The window is 10 s from the first message: the first four go quickly (the page's own
    // cookies, the form's POST), the fifth and sixth through the page's form.
    await Promise.all([1, 2, 3, 4].map((n) => apiPost(page.request, DEMO, `${tag} message ${n}`)));
    await openRoom(page, DEMO);
    await expect(messagesOf(page, DEMO).filter({ hasText: tag })).toHaveCount(4);
    await post(page, DEMO, `${tag} message 5`);
    const sixth = `${tag} message 6`;
    const refused = await send(page, sixth);
    expect(refused.status()).toBe(429);
    await expect(page.getByRole("alert")).toHaveText("Too many messages — slow down and try again");
    await expect(page).toHaveURL(roomUrl("?room=demo"));
    await expect(message(page, DEMO, sixth)).toHaveCount(0);
    await expect(messagesOf(page, DEMO).filter({ hasText: tag })).toHaveCount(5);
    // What was typed is still there to send again later (with JavaScript the form was never replaced,
    // without it the refusal sends the text back).
    await expect(messageBox(page)).toHaveValue(sixth);
  });

  test(
    "a message typed while the previous one is on its way survives, and posts",
    { tag: "@scripts" },
    async ({ page, members }) => {
      await members.signIn(page, "slow");
      await openRoom(page, LOBBY);
      const tag = newTag("inflight");
      const first = `${tag} first`;
      const second = `${tag} typed while the first was on its way`;
      const network = await holdChatPosts(page);
      const sendButton = page.getByRole("button", { name: "Send", exact: true });
      const sending = page.getByRole("button", { name: "Sending…" });

      await messageBox(page).fill(first);
      await sendButton.click();
      // The sent text leaves the box at once; Send waits for the answer.
      await expect(messageBox(page)).toHaveValue("");
      await expect(sending).toBeDisabled();
      await messageBox(page).pressSequentially(second);
      // Submitting again meanwhile (Enter in a field, a script, a double click) sends nothing more.
      await page
        .locator("#chat-compose form")
        .first()
        .evaluate((form: HTMLFormElement) => form.requestSubmit());
      expect(network.posts()).toBe(1);

      network.release();
      await expect(message(page, LOBBY, first)).toHaveCount(1);
      await expect(sendButton).toBeEnabled();
      await expect(messageBox(page)).toHaveValue(second);

      await sendButton.click();
      await expect(messageBox(page)).toHaveValue("");
      await expect(message(page, LOBBY, second)).toHaveCount(1);
      await expect(message(page, LOBBY, first)).toHaveCount(1);
      expect(network.posts()).toBe(2);
      await expect(page.getByRole("alert")).toHaveCount(0);
    },
  );

  test(
    "a refused message never overwrites what was typed since: it is offered back",
    { tag: "@scripts" },
    async ({ page, members }) => {
      await members.signIn(page, "back");
      await apiOpen(page.request, DEMO);
      const tag = newTag("offer");
      // Five messages within ten seconds: the page's next one is refused (429).
      await Promise.all([1, 2, 3, 4, 5].map((n) => apiPost(page.request, DEMO, `${tag} message ${n}`)));
      await openRoom(page, DEMO);
      const network = await holdChatPosts(page);
      const refused = `${tag} message 6`;
      const typed = `${tag} typed meanwhile`;

      await messageBox(page).fill(refused);
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await expect(messageBox(page)).toHaveValue("");
      await messageBox(page).fill(typed);
      network.release();

      await expect(page.getByRole("alert")).toHaveText("Too many messages — slow down and try again");
      await expect(messageBox(page)).toHaveValue(typed);
      const offer = page.locator(".chat__unsent");
      await expect(offer).toContainText("Not sent:");
      await expect(offer.locator("q")).toHaveText(refused);
      await offer.getByRole("button", { name: "Put it back" }).click();
      await expect(messageBox(page)).toHaveValue(`${refused}\n${typed}`);
      await expect(offer).toHaveCount(0);
      await expect(message(page, DEMO, refused)).toHaveCount(0);
    },
  );

  test("a room with more than 50 messages offers older messages, page by page", async ({
    page,
    playwright,
    members,
  }) => {
    const tag = newTag("older");
    // 5 messages per 10 s per member: 11 members post 51 messages, the first one before all others.
    // Each opens the room first, as in a browser (see the "at the same moment" test for why that matters).
    const posters = await Promise.all(
      Array.from({ length: 11 }, async () => {
        const member = await apiMember(members, playwright.request, "old");
        await apiOpen(member.request, SUPPORT);
        return member;
      }),
    );
    try {
      const texts = Array.from({ length: 51 }, (_, n) => `${tag} number ${String(n + 1).padStart(2, "0")}`);
      const [first, ...rest] = posters;
      await apiPost(first!.request, SUPPORT, texts[0]!);
      await Promise.all(
        rest.map(async (member, index) => {
          for (const text of texts.slice(1 + index * 5, 6 + index * 5)) await apiPost(member.request, SUPPORT, text);
        }),
      );
    } finally {
      await Promise.all(posters.map((member) => member.request.dispose()));
    }

    await openRoom(page, SUPPORT);
    const shown = messagesOf(page, SUPPORT);
    await expect(shown).toHaveCount(50);
    const first = `${tag} number 01`;
    await expect(message(page, SUPPORT, first)).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Back to the latest messages" })).toHaveCount(0);
    const firstPage = await messageIds(shown);
    expect(firstPage).toEqual([...firstPage].sort((a, b) => (a < b ? -1 : 1)));

    // Walk back (other tests may post here too) until this test's first message shows.
    let oldestShown = firstPage[0]!;
    for (let step = 1; (await message(page, SUPPORT, first).count()) === 0; step += 1) {
      expect(step, "pages walked back").toBeLessThanOrEqual(3);
      await page.getByRole("link", { name: "Load older messages" }).click();
      await expect(page).toHaveURL(new RegExp(`/chat\\?room=support&before=${oldestShown}$`));
      await expect(page.getByRole("link", { name: "Back to the latest messages" })).toBeVisible();
      const older = await messageIds(shown);
      expect(older.length).toBeGreaterThan(0);
      expect(older.every((id) => id < oldestShown)).toBe(true);
      oldestShown = older[0]!;
    }
    await expect(message(page, SUPPORT, first)).toContainText(/old_[jn]/);

    await page.getByRole("link", { name: "Back to the latest messages" }).click();
    await expect(page).toHaveURL(/\/chat\?room=support$/);
    await expect(shown).toHaveCount(50);
    await expect(page.getByRole("link", { name: "Load older messages" })).toBeVisible();
  });

  test("members posting their first messages in a room at the same moment are all accepted", async ({
    playwright,
    members,
  }) => {
    // A member's first post in a room also makes the membership (services/chat.server.ts, post). Members
    // who never opened the room (API clients, a form posted from elsewhere) post at the same moment.
    const tag = newTag("first");
    const posters = await Promise.all(Array.from({ length: 8 }, () => apiMember(members, playwright.request, "fst")));
    try {
      const statuses = await Promise.all(
        posters.map(async ({ request }, index) => {
          const response = await request.post(`/chat?room=${LOBBY.id}`, {
            form: { intent: "post", body: `${tag} member ${index}` },
            headers: originHeader(),
            maxRedirects: 0,
          });
          return response.status();
        }),
      );
      expect(statuses).toEqual(posters.map(() => 303));
    } finally {
      await Promise.all(posters.map((member) => member.request.dispose()));
    }
  });

  test("the room (member view) and the moderation queue are accessible", async ({ page, browser, members }) => {
    test.slow(); // axe on two pages, and the admin's sign-in
    const member = await members.signIn(page, "a11y");
    const tag = newTag("a11y");
    await openRoom(page, DEMO);
    await expect(header(page).getByRole("link", { name: "Moderation" })).toHaveCount(0);
    await post(page, DEMO, `${tag} plain`);
    const held = `${tag} held, see https://example.com`;
    await send(page, held);
    await expect(message(page, DEMO, held)).toContainText("pending review");
    await expectAccessible(page);

    // Members may not open the queue.
    expect((await page.goto("/chat/moderation"))?.status()).toBe(403);

    await makeModerator(browser, members, member);
    await openRoom(page, DEMO);
    await header(page).getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Moderation" }).click();
    await expect(page).toHaveURL(/\/chat\/moderation$/);
    await expect(page.getByRole("heading", { level: 1, name: "Moderation queue" })).toBeVisible();
    const queued = page.getByRole("listitem").filter({ hasText: held });
    await expect(queued).toHaveCount(1);
    await expectAccessible(page);

    await queued.getByRole("button", { name: `Remove the message from ${member.username}` }).click();
    await expect(page).toHaveURL(/\/chat\/moderation\?done=removed$/);
    await expect(page.getByRole("status")).toHaveText("Removed.");
    await expect(queued).toHaveCount(0);
    await openRoom(page, DEMO);
    await expect(message(page, DEMO, held)).toHaveCount(0);
    await expect(message(page, DEMO, `${tag} plain`)).toBeVisible();
  });
});
