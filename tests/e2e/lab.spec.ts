import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, type Locator, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { javaScriptEnabled, newDevice, unique } from "./support.ts";

/**
 * The lab (/lab) end to end, through the browser only: the widgets (each answered by the server,
 * with and without scripts), the request burst, the operational timeline and its filter, the
 * network log, the command + SSE demo, and what another visitor may see.
 *
 * Every test has its own browser context, so its own visitor cookie, counter and traces. The
 * timeline keeps only the newest 20 flows and shows every other visitor's requests as anonymous
 * lines, so a burst (1000 requests) anywhere on the server pushes everything else out of every
 * lab tab's timeline within a fraction of a second. The tests that read the timeline therefore
 * never run during a burst (`shared` and `exclusive`), across both projects' workers.
 */

/** Live updates should arrive well within this. */
const LIVE = { timeout: 5_000 };

/**
 * Bursts run alone: a burst (`exclusive`) waits until no timeline test runs and keeps new ones
 * waiting; timeline tests (`shared`) run side by side. A lock shared by the workers of this run
 * (one per server port), in the file system: `burst` is held by the burst that runs or waits,
 * `readers/` holds one file per running timeline test. A lock of a worker that died is taken over.
 */
function lockDir(): string {
  return join(tmpdir(), `glassbox-lab-e2e-${new URL(test.info().project.use.baseURL ?? "http://localhost:0").port}`);
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

async function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const burst = join(lockDir(), "burst");
  const readers = join(lockDir(), "readers");
  mkdirSync(readers, { recursive: true });
  for (;;) {
    try {
      mkdirSync(burst);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (ownerDied(join(burst, "pid"))) rmSync(burst, { recursive: true, force: true });
      else await pause();
    }
  }
  writeFileSync(join(burst, "pid"), String(process.pid));
  try {
    // New readers now wait; the running ones finish first.
    for (;;) {
      const running = readdirSync(readers).filter((file) => {
        if (!ownerDied(join(readers, file))) return true;
        rmSync(join(readers, file), { force: true });
        return false;
      });
      if (running.length === 0) break;
      await pause();
    }
    return await work();
  } finally {
    rmSync(burst, { recursive: true, force: true });
  }
}

async function shared<T>(work: () => Promise<T>): Promise<T> {
  const burst = join(lockDir(), "burst");
  const readers = join(lockDir(), "readers");
  mkdirSync(readers, { recursive: true });
  const mine = join(readers, `${process.pid}-${unique()}`);
  for (;;) {
    while (existsSync(burst) && !ownerDied(join(burst, "pid"))) await pause();
    writeFileSync(mine, String(process.pid));
    // A burst that took the lock meanwhile goes first (it saw this file or this sees its lock).
    if (!existsSync(burst)) break;
    rmSync(mine, { force: true });
  }
  try {
    return await work();
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Whether the process named in this lock file is gone (a file still being written is not). */
function ownerDied(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(file, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Opens (or reloads) the lab; with scripts, waits until the page is hydrated and its stream is open. */
async function openLab(page: Page, how: "goto" | "reload" = "goto"): Promise<string> {
  const stream = javaScriptEnabled()
    ? page.waitForResponse((response) => {
        const url = new URL(response.url());
        return url.pathname === "/events" && url.searchParams.get("lab") === "1";
      })
    : undefined;
  const response = how === "goto" ? await page.goto("/lab") : await page.reload();
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1, name: "Watch this server work" })).toBeVisible();
  if (stream) expect((await stream).status()).toBe(200);
  return (await response?.text()) ?? "";
}

/** The flows of the operational timeline, newest first (optionally only those with this title). */
function flows(page: Page, title?: string): Locator {
  const all = page.locator("#timeline ol.timeline > li.timeline__flow");
  return title === undefined ? all : all.and(page.locator(`[data-flow="${title}"]`));
}

/** The visitor's own finished requests: flows with their events, down to the request line. */
function ownFlows(page: Page, title?: string): Locator {
  return flows(page, title).filter({ has: page.locator('[data-kind="request.end"]') });
}

/** Other visitors' requests: one anonymous line each, no events. */
function anonymousLines(page: Page, title: string): Locator {
  return flows(page, title).filter({ hasText: "another visitor" });
}

/** A flow's request line ("POST /lab 200 12.3ms"): its latency, as the anonymous line shows it too. */
async function latencyOf(flow: Locator): Promise<string> {
  const line = await flow.locator('[data-kind="request.end"] code').innerText();
  const latency = /^\S+ \S+ \d{3} ([\d.]+)ms$/.exec(line)?.[1];
  expect(latency, `request line "${line}"`).toBeDefined();
  return latency as string;
}

function fact(scope: Locator, term: string): Locator {
  return scope.locator(`dt:text-is("${term}") + dd`);
}

/**
 * Without scripts a lab form's answer is a new page: it must open at the form's own section (the
 * URL's fragment), with the answer on screen, not at the top of the lab.
 */
async function expectLandedOn(page: Page, section: string, answer: Locator): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`#${section}$`));
  await expect(answer).toBeInViewport();
  await expect(page.getByRole("heading", { level: 1, name: "Watch this server work" })).not.toBeInViewport();
}

function httpRequests(page: Page): Locator {
  return page.getByRole("table", { name: "HTTP requests" }).locator("tbody tr");
}

test.describe("lab", () => {
  test(
    "a member's auth check says who they are, and that request's flow reaches the timeline within a second",
    { tag: "@scripts" },
    async ({ page, members }) => {
      const account = await members.signIn(page, "labauth");
      await shared(async () => {
        await openLab(page);
        // Scripts post through a fetcher: React Router's data request for /lab (/lab.data).
        const posts = ownFlows(page, "POST /lab");
        await expect(posts).toHaveCount(0);

        const card = page.locator("#auth-status");
        await card.getByRole("button", { name: "Check auth status" }).click();
        await expect(fact(card, "Signed in")).toHaveText("yes");
        // The card is on screen: from now on the flow has one second.
        const flow = posts.filter({ has: page.locator('[data-kind="sql"]') });
        await expect(flow).toHaveCount(1, { timeout: 1_000 });

        await expect(fact(card, "Username")).toHaveText(account.username);
        await expect(fact(card, "Role")).toHaveText("member");
        // It is that very request: the card's own trace is how its flow begins, and it ends with its request line.
        const cardEvents = await card.locator(".trace__event").allInnerTexts();
        expect(cardEvents.length).toBeGreaterThan(0);
        const flowEvents = await flow.locator(".trace__event").allInnerTexts();
        expect(flowEvents.slice(0, cardEvents.length)).toEqual(cardEvents);
        expect(flowEvents.at(-1)).toMatch(/^request\.end POST \/lab 200 [\d.]+ms$/);
      });
    },
  );

  test(
    "the command demo: +1 comes back through the stream, guarded actions queue, a cancelable one is cancelled by the next",
    { tag: "@scripts" },
    async ({ page }) => {
      await openLab(page);
      const command = page.locator("#command");
      const counter = page.getByTestId("counter");
      const log = command.getByRole("list", { name: "Pushed by the server" }).getByRole("listitem");
      await expect(counter).toHaveText("0");

      await command.getByRole("button", { name: "+1", exact: true }).click();
      await expect(counter).toHaveText("1", LIVE);
      await expect(log).toHaveText(["count is now 1"]);
      const pushes = page.getByRole("table", { name: "Server pushes to this tab" }).locator("tbody tr");
      await expect(pushes.filter({ has: page.getByRole("cell", { name: "counter", exact: true }) })).not.toHaveCount(0);

      // A second guarded click while the first one works (a second): it waits its turn, and both count.
      const guarded = command.getByRole("button", { name: "Guarded +1" });
      await guarded.click();
      await expect(log.filter({ hasText: "guarded: running" })).toHaveCount(1, LIVE);
      await guarded.click();
      await expect(log.filter({ hasText: "guarded: queued" })).toHaveCount(1, LIVE);
      await expect(counter).toHaveText("3", LIVE);
      await expect(log.last()).toHaveText("guarded: done");
      await expect(log.filter({ hasText: "guarded: done" })).toHaveCount(2);

      // A second cancelable click while the first one works: the first is cancelled, the second runs to the end (three seconds).
      const cancelable = command.getByRole("button", { name: "Cancelable work" });
      await cancelable.click();
      await expect(log.filter({ hasText: "cancelable: started" })).toHaveCount(1, LIVE);
      await cancelable.click();
      await expect(log.filter({ hasText: "cancelable: cancelled" })).toHaveCount(1, LIVE);
      await expect(log.last()).toHaveText("cancelable: done", LIVE);
      const lines = await log.allInnerTexts();
      expect(lines.indexOf("cancelable: cancelled")).toBeLessThan(lines.indexOf("cancelable: done"));
      await expect(counter).toHaveText("3");
      await expect(command.getByRole("alert")).toHaveCount(0);
    },
  );

  test(
    "a burst of 1000 probes reports progress, sums up, and lands in the timeline and the network log",
    { tag: "@scripts" },
    async ({ page }) => {
      await exclusive(async () => {
        await openLab(page);
        const size = page.getByRole("spinbutton", { name: "Requests" });
        const slider = page.getByRole("slider", { name: "Requests (slider)" });
        await expect(size).toHaveValue("1000");
        // The slider and the number box show one choice.
        await slider.fill("2000");
        await expect(size).toHaveValue("2000");
        await size.fill("1000");
        await expect(slider).toHaveValue("1000");
        const progress = page.getByTestId("burst-progress");
        const summary = page.getByTestId("burst-summary");
        await page.getByRole("button", { name: "Run burst" }).click();

        // Reads the progress line as often as the browser answers until the summary shows.
        const seen = new Set<string>();
        const deadline = Date.now() + 20_000;
        while (!(await summary.isVisible()) && Date.now() < deadline) {
          const text = await progress.textContent();
          if (text) seen.add(text);
        }
        await expect(summary).toHaveText(
          /^Burst finished in this browser: 1000 of 1000 sent, 1000 ok, 0 failed, \d+ req\/s over [\d.]+ s\.$/,
        );
        await expect(progress).toHaveText(/^1000\/1000 \| 1000 ok \| 0 failed \| \d+ req\/s$/);
        const intermediate = [...seen].filter((line) => {
          const match = /^(\d+)\/1000 \| (\d+) ok \| (\d+) failed \| \d+ req\/s$/.exec(line);
          expect(match, `progress line "${line}"`).not.toBeNull();
          return Number(match?.[1]) < 1000;
        });
        expect(intermediate.length, `progress lines seen: ${[...seen].join("; ")}`).toBeGreaterThan(0);
        await expect(page.getByRole("button", { name: "Run burst" })).toBeEnabled();

        // The newest of the visitor's own flows are probes, with their request lines.
        await expect(ownFlows(page).first()).toHaveAttribute("data-flow", "GET /lab/probe", LIVE);
        await expect.poll(() => ownFlows(page, "GET /lab/probe").count(), LIVE).toBeGreaterThanOrEqual(10);
        await expect(ownFlows(page, "GET /lab/probe").first().locator('[data-kind="request.end"]')).toHaveText(
          /^request\.end GET \/lab\/probe 204 [\d.]+ms$/,
        );
        // The network log lists them: time, status, method, path, source, latency.
        const probes = httpRequests(page).filter({ has: page.getByRole("cell", { name: "/lab/probe", exact: true }) });
        await expect.poll(() => probes.count(), LIVE).toBeGreaterThanOrEqual(10);
        await expect(probes.first().locator("td")).toHaveText([
          /\S/,
          "204",
          "GET",
          "/lab/probe",
          "probe",
          /^[\d.]+ ms$/,
        ]);
      });
    },
  );

  test("as a guest, every widget answers from the server", async ({ page }) => {
    await openLab(page);
    await expect(page.locator("#session-status")).toContainText("Browsing as a guest.");

    const auth = page.locator("#auth-status");
    await auth.getByRole("button", { name: "Check auth status" }).click();
    await expect(fact(auth, "Signed in")).toHaveText("no");
    await expect(auth.locator("details.trace summary")).toHaveText(/^Trace of this request \(\d+ events?\)$/);

    const session = page.locator("#session-details");
    await session.getByRole("button", { name: "Show session details" }).click();
    await expect(session).toContainText("No server session: you are browsing as a guest.");

    const boundary = page.locator("#boundary-check");
    await expect(boundary.getByLabel("Input")).toHaveValue("Not Valid!");
    await boundary.getByRole("button", { name: "Validate" }).click();
    await expect(boundary.getByRole("alert")).toHaveText("Invalid username: Use only letters, digits and _");
    await boundary.getByLabel("Input").fill("Valid_Name");
    await boundary.getByRole("button", { name: "Validate" }).click();
    await expect(boundary.getByRole("status")).toHaveText("Valid username: valid_name");
    await boundary.getByLabel("Rule").selectOption("email");
    await boundary.getByLabel("Input").fill("not an email");
    await boundary.getByRole("button", { name: "Validate" }).click();
    await expect(boundary.getByRole("alert")).toHaveText("Invalid email: Enter a valid email address");

    const lookup = page.locator("#database-check");
    await lookup.getByLabel("Email").fill(`nobody_${Date.now()}@example.test`);
    await lookup.getByRole("button", { name: "Look up" }).click();
    // A guest finds nobody's account: the check only ever finds the viewer's own.
    await expect(lookup.getByRole("status")).toHaveText("No account of yours has this email.");
    await expect(lookup.locator('.trace [data-kind="sql"]')).toContainText([
      'select "id", "username", "email", "role", "created_at", "email_verified_at", "display_name" from "users" where "email" = $1 and "id" = $2',
    ]);
  });

  test("as a member, the widgets show their account and session", async ({ page, members }) => {
    const account = await members.signIn(page, "labwid");
    await openLab(page);
    await expect(page.locator("#session-status")).toContainText(`Signed in as ${account.username} (member).`);
    const handle = await fact(page.locator("#request-meta"), "Session").innerText();

    const auth = page.locator("#auth-status");
    await auth.getByRole("button", { name: "Check auth status" }).click();
    await expect(fact(auth, "Signed in")).toHaveText("yes");
    await expect(fact(auth, "Username")).toHaveText(account.username);

    const session = page.locator("#session-details");
    await session.getByRole("button", { name: "Show session details" }).click();
    await expect(fact(session, "Session")).toHaveText(handle);
    await expect(fact(session, "Started")).not.toBeEmpty();
    await expect(fact(session, "Last seen")).not.toBeEmpty();
    await expect(fact(session, "Ends")).toContainText("(7 days without use, 30 days at most)");
    await expect(fact(session, "Address")).toHaveText("127.0.0.1");

    const lookup = page.locator("#database-check");
    await lookup.getByLabel("Email").fill(account.email.toUpperCase());
    await lookup.getByRole("button", { name: "Look up" }).click();
    await expect(lookup.getByRole("status")).toContainText(`Found ${account.username} (member), a member since`);
    // The trace shows the statement, never the email it looked for.
    await expect(lookup.locator(".trace")).not.toContainText(account.email);
  });

  test(
    "the timeline filter hides /events flows, and the tab keeps it across a reload",
    { tag: "@scripts" },
    async ({ page, context }) => {
      await shared(async () => {
        await openLab(page);
        // A second tab of the same visitor opens the lab and closes: its page load and its stream's
        // request reach this tab live.
        const second = await context.newPage();
        await openLab(second);
        await second.close();
        const streams = flows(page).and(page.locator('[data-flow*="/events"]'));
        await expect(ownFlows(page, "GET /events")).not.toHaveCount(0, LIVE);
        await expect(ownFlows(page, "GET /lab")).not.toHaveCount(0);

        const filter = page.getByLabel("Hide flows matching");
        await filter.fill("/events");
        await expect(streams).toHaveCount(0);
        await expect(ownFlows(page, "GET /lab")).not.toHaveCount(0);
        await expect(flows(page)).not.toHaveCount(0);

        // The server renders the timeline unfiltered; the tab applies what it kept (sessionStorage).
        const html = await openLab(page, "reload");
        expect(html).toContain('data-flow="GET /events"');
        await expect(filter).toHaveValue("/events");
        await expect(streams).toHaveCount(0);
        await expect(ownFlows(page, "GET /lab")).not.toHaveCount(0);

        await filter.fill("");
        await expect(streams).not.toHaveCount(0);
      });
    },
  );

  test(
    "another visitor sees a member's requests only as anonymous lines",
    { tag: "@scripts" },
    async ({ page, browser, members }) => {
      const account = await members.signIn(page, "labpriv");
      const requestIds = new Set<string>();
      page.on("response", (response) => {
        const id = response.headers()["x-request-id"];
        if (id) requestIds.add(id);
      });
      const visitor = await newDevice(browser);
      try {
        await shared(async () => {
          await openLab(page);
          const meta = page.locator("#request-meta");
          const secrets = [
            account.username,
            account.email,
            await fact(meta, "User id").innerText(),
            await fact(meta, "Session").innerText(),
          ];
          expect(secrets[2]).toMatch(/^[0-9a-f-]{36}$/);
          await openLab(visitor.page);

          // The member looks their own email up: a request with an email in its body and SQL in its trace.
          const lookup = page.locator("#database-check");
          await lookup.getByLabel("Email").fill(account.email);
          await lookup.getByRole("button", { name: "Look up" }).click();
          await expect(lookup.getByRole("status")).toContainText(`Found ${account.username} (member)`);
          const mine = ownFlows(page, "POST /lab");
          await expect(mine).toHaveCount(1, LIVE);
          await expect(mine.locator('[data-kind="sql"]')).not.toHaveCount(0);
          const latency = await latencyOf(mine);

          // The other visitor: the same request as one line (method, path, status, latency), nothing inside.
          const line = anonymousLines(visitor.page, "POST /lab").filter({
            hasText: `200 · ${latency} ms · another visitor`,
          });
          await expect(line).toHaveCount(1, LIVE);
          await expect(line.locator("[data-kind]")).toHaveCount(0);
          await expect(ownFlows(visitor.page, "POST /lab")).toHaveCount(0);
          const row = httpRequests(visitor.page).filter({
            has: visitor.page.getByRole("cell", { name: `${latency} ms`, exact: true }),
          });
          await expect(row.locator("td").nth(3)).toHaveText("/lab");
          await expect(row.locator("td").nth(4)).toHaveText("another visitor");

          // Nothing that names the member: not on the live page, not in a freshly rendered one (its data included).
          const rendered = [await visitor.page.content()];
          await openLab(visitor.page, "reload");
          await expect(
            anonymousLines(visitor.page, "POST /lab").filter({ hasText: `200 · ${latency} ms · another visitor` }),
          ).toHaveCount(1);
          rendered.push(await visitor.page.content());
          expect(requestIds.size).toBeGreaterThan(3);
          for (const html of rendered) {
            for (const secret of [...secrets, ...requestIds])
              expect(html, "the other visitor's page").not.toContain(secret);
          }
        });
      } finally {
        await visitor.context.close();
      }
    },
  );

  test(
    "without scripts the burst runs on the server and shows its summary",
    { tag: "@no-scripts" },
    async ({ page }) => {
      await exclusive(async () => {
        await openLab(page);
        // A number box, not a slider: without scripts only a box can show the number chosen.
        const size = page.getByRole("spinbutton", { name: "Requests" });
        await expect(page.getByRole("slider")).toHaveCount(0);
        await expect(size).toHaveValue("1000");
        await size.fill("100");
        await expect(size).toHaveValue("100");
        await page.getByRole("button", { name: "Run burst" }).click();
        const summary = page.getByTestId("burst-summary");
        await expect(summary).toHaveText(
          /^Burst finished on the server: 100 of 100 sent, 100 ok, 0 failed, \d+ req\/s over [\d.]+ s\.$/,
        );
        await expectLandedOn(page, "burst", summary);
        await expect(size).toHaveValue("100");
        // The probes were this visitor's (the server sent them with its cookie): they are in the page's timeline.
        await expect(ownFlows(page).first()).toHaveAttribute("data-flow", "GET /lab/probe");
        expect(await ownFlows(page, "GET /lab/probe").count()).toBeGreaterThanOrEqual(10);
      });
    },
  );

  test(
    "without scripts the command demo comes back through a redirect with the count",
    { tag: "@no-scripts" },
    async ({ page }) => {
      await openLab(page);
      const counter = page.getByTestId("counter");
      await expect(counter).toHaveText("0");
      await page.locator("#command").getByRole("button", { name: "+1", exact: true }).click();
      await expect(page).toHaveURL(/\/lab\?done=stepped#command$/);
      await expect(counter).toHaveText("1");
      await expect(page.locator("#command").getByRole("status")).toHaveText("The counter moved.");
      await expectLandedOn(page, "command", page.locator("#command").getByRole("status"));
      await page.locator("#command").getByRole("button", { name: "Guarded +1" }).click();
      await expect(page).toHaveURL(/\/lab\?done=guarded#command$/);
      await expect(counter).toHaveText("2");
      await expect(page.locator("#command").getByRole("status")).toHaveText("The guarded action finished: +1.");
    },
  );

  test(
    "without scripts every widget's answer opens at its own section, in view",
    { tag: "@no-scripts" },
    async ({ page, members }) => {
      const account = await members.signIn(page, "labjump");
      await openLab(page);

      const auth = page.locator("#auth-status");
      await auth.getByRole("button", { name: "Check auth status" }).click();
      await expect(fact(auth, "Signed in")).toHaveText("yes");
      await expectLandedOn(page, "auth-status", auth.locator(".lab-widget__result"));

      const session = page.locator("#session-details");
      await session.getByRole("button", { name: "Show session details" }).click();
      await expectLandedOn(page, "session-details", fact(session, "Address"));

      const boundary = page.locator("#boundary-check");
      await boundary.getByRole("button", { name: "Validate" }).click();
      await expect(boundary.getByRole("alert")).toHaveText("Invalid username: Use only letters, digits and _");
      await expectLandedOn(page, "boundary-check", boundary.getByRole("alert"));

      const lookup = page.locator("#database-check");
      await lookup.getByLabel("Email").fill(account.email);
      await lookup.getByRole("button", { name: "Look up" }).click();
      await expect(lookup.getByRole("status")).toContainText(`Found ${account.username} (member)`);
      await expectLandedOn(page, "database-check", lookup.getByRole("status"));

      // The chat panel posts to /chat, whose 303 leads back here; the browser keeps the form's fragment.
      const chat = page.locator("#chat");
      const text = `lab jump ${unique()}`;
      await chat.getByLabel("Message", { exact: true }).fill(text);
      await chat.getByRole("button", { name: "Send" }).click();
      await expect(chat.locator("li[data-message-id]").filter({ hasText: text })).toBeInViewport();
      await expectLandedOn(page, "chat-compose", chat.getByLabel("Message", { exact: true }));
    },
  );

  test("the demo bot in the lab says it posted, next to its button", async ({ page, members }) => {
    // A member's bot allowance is their own (guests share their address's with every other test).
    await members.signIn(page, "labbot");
    await openLab(page);
    const chat = page.locator("#chat");
    await chat.getByRole("button", { name: "Ask the demo bot to post" }).click();
    const notice = chat.getByRole("status");
    await expect(notice).toHaveText("The demo bot posted a message.");
    await expect(notice).toBeInViewport();
    await expect(page).toHaveURL(javaScriptEnabled() ? /\/lab\?done=bot$/ : /\/lab\?done=bot#chat-compose$/);
    await expect(chat.locator("li[data-message-id]").filter({ hasText: "demo bot" }).last()).toBeVisible();
  });

  test(
    "the timeline is rendered with the page: a second load shows the first",
    { tag: "@no-scripts" },
    async ({ page }) => {
      // With scripts the stream also brings the page's own request as it ends: this is about the server's render.
      // The first request of a browser sets its visitor cookie: from the next one on, requests are its own.
      await page.goto("/");
      await shared(async () => {
        await openLab(page);
        // The page's own request is still running while it renders: it has no request line yet.
        await expect(ownFlows(page, "GET /lab")).toHaveCount(0);
        await openLab(page);
        const first = ownFlows(page, "GET /lab");
        await expect(first).toHaveCount(1);
        // In the order they finished: the lab's loader no longer waits for the chat history (deferred data).
        for (const loader of ["loader root", "loader routes/lab._index"])
          await expect(first.locator('[data-kind="loader"]').filter({ hasText: loader })).toHaveCount(1);
        await expect(first.locator('[data-kind="sql"]')).not.toHaveCount(0);
        // It shows once, as this visitor's own: not also as "another visitor".
        const latency = await latencyOf(first);
        await expect(
          anonymousLines(page, "GET /lab").filter({ hasText: `200 · ${latency} ms · another visitor` }),
        ).toHaveCount(0);
        await expect(
          httpRequests(page).filter({ has: page.getByRole("cell", { name: `${latency} ms`, exact: true }) }),
        ).toHaveCount(1);
      });
    },
  );

  test("the lab is accessible, with widget results on the page", async ({ page, members }) => {
    await members.signIn(page, "labaxe");
    await openLab(page);
    await page.locator("#auth-status").getByRole("button", { name: "Check auth status" }).click();
    await expect(fact(page.locator("#auth-status"), "Signed in")).toHaveText("yes");
    const boundary = page.locator("#boundary-check");
    await boundary.getByRole("button", { name: "Validate" }).click();
    await expect(boundary.getByRole("alert")).toBeVisible();
    await expectAccessible(page);
  });
});

test("the diagnostic log shows this visitor's own request starts and React Router's internals, labelled as not live", async ({
  page,
  browser,
}) => {
  // The first visit sets the visitor cookie; from the second on, requests are this visitor's. A
  // request's handler event is recorded when its answer is done: the third page shows the second's.
  for (let visit = 0; visit < 3; visit++) await page.goto("/lab");
  const panel = page.locator("#diagnostics");
  await expect(panel.getByRole("heading", { name: "Diagnostic log" })).toBeVisible();
  await expect(panel).toContainText("Diagnostic, not live");
  // Newest first, so the tab's own stream (GET /events) may come before the page's requests.
  await expect(panel.locator('[data-kind="request.start"]').filter({ hasText: "GET /lab" }).first()).toBeVisible();
  await expect(panel.locator('[data-kind="framework.handler"]').first()).toBeVisible();
  // Nothing diagnostic is streamed: the live backend log never shows these kinds.
  await expect(page.locator('#backend-log [data-kind="request.start"]')).toHaveCount(0);

  // Another visitor's requests never appear in it.
  const other = await newDevice(browser);
  await other.page.goto("/open-source");
  await other.page.goto("/open-source");
  await panel.getByRole("button", { name: "Refresh" }).click();
  await expect(page).toHaveURL(/\/lab\??#diagnostics$/);
  await expect(
    page.locator('#diagnostics [data-kind="request.start"]').filter({ hasText: "GET /lab" }).first(),
  ).toBeVisible();
  await expect(page.locator("#diagnostics")).not.toContainText("/open-source");
  await other.context.close();
  await expectAccessible(page);
});
