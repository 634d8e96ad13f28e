import { expect, test, type Page, type Response } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import {
  ADMIN,
  confirmRegistration,
  fillRegistration,
  header,
  newAccount,
  newDevice,
  registerThroughForm,
  signInAsAdmin,
  type Account,
} from "./support.ts";

/**
 * Accounts end to end, in both projects (JavaScript on and off): registration, sign-in and
 * sign-out, sessions on several devices, password change, throttling, guards and admin promotion.
 *
 * Every test makes its own accounts (unique per test and per project), because tests run in
 * parallel against one server and one database. Sign-in attempts are budgeted: the server allows
 * 50 per client address per 15 minutes for the whole run, and failed attempts are not given back.
 * This file spends 8 failed attempts per project, 16 in all (5 wrong + 1 throttled, 1 wrong
 * password, 1 wrong current password); successful sign-ins and password changes give theirs back.
 */

async function expectSignedInAs(page: Page, username: string): Promise<void> {
  await expect(header(page)).toContainText(`Signed in as ${username}`);
  await expect(header(page).getByRole("link", { name: username, exact: true })).toHaveAttribute("href", "/account");
  await expect(header(page).getByRole("button", { name: "Sign out" })).toBeVisible();
  await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toHaveCount(0);
}

async function expectGuest(page: Page): Promise<void> {
  await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  await expect(header(page).getByRole("link", { name: "Create account", exact: true })).toBeVisible();
  await expect(header(page)).not.toContainText("Signed in as");
}

/** The sign-in form's POST: a document request without scripts, `/login.data` with them. */
function isLoginPost(response: Response): boolean {
  return response.request().method() === "POST" && /^\/login(\.data)?$/.test(new URL(response.url()).pathname);
}

/** The page's next request finds no session: /account sends it to sign in, as a guest. */
async function expectSentToSignIn(page: Page): Promise<void> {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  await expectGuest(page);
}

async function register(page: Page, account: Account): Promise<void> {
  await registerThroughForm(page, account);
  await expectSignedInAs(page, account.username);
}

/** Fills and sends the sign-in form of the page (already on /login); returns the POST's response. */
async function submitSignIn(page: Page, email: string, password: string): Promise<Response> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  const [response] = await Promise.all([
    page.waitForResponse(isLoginPost),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  return response;
}

async function signIn(page: Page, account: Account): Promise<void> {
  await page.goto("/login");
  await submitSignIn(page, account.email, account.password);
  await expect(page).toHaveURL(/\/account$/);
  await expectSignedInAs(page, account.username);
}

async function signOut(page: Page): Promise<void> {
  await header(page).getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expectGuest(page);
}

function sessionsOf(page: Page) {
  return page.getByRole("region", { name: "Active sessions" }).getByRole("listitem");
}

/** The value next to a term of the Profile facts. */
function profileFact(page: Page, term: string) {
  return page
    .getByRole("region", { name: "Profile" })
    .locator("dt", { hasText: new RegExp(`^${term}$`) })
    .locator("xpath=following-sibling::dd[1]");
}

test.describe("accounts", () => {
  test("register, sign out, sign in, and revoke another device's session", async ({ page, browser }) => {
    const account = newAccount("jrn");
    await page.goto("/");
    await expectGuest(page);
    await header(page).getByRole("link", { name: "Create account", exact: true }).click();
    await expect(page).toHaveURL(/\/register$/);
    await fillRegistration(page, account);
    // The sign-up is finished by the welcome mail's link, which signs in.
    await expect(page).toHaveURL(/\/register\/check-email/);
    await expectGuest(page);
    await confirmRegistration(page, account);
    await expect(page).toHaveURL(/\/account$/);
    await expectSignedInAs(page, account.username);
    // The first page after sign-up says welcome, once.
    const welcome = `Welcome to glassbox, ${account.username}: your account is ready and you are signed in.`;
    await expect(page.getByRole("status")).toHaveText(welcome);
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expect(page.getByText(welcome)).toHaveCount(0);

    await signOut(page);
    await page.goto("/account");
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);

    await header(page).getByRole("link", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect((await submitSignIn(page, account.email, account.password)).status()).toBeLessThan(400);
    await expect(page).toHaveURL(/\/account$/);
    await expectSignedInAs(page, account.username);
    await header(page).getByRole("link", { name: account.username, exact: true }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expect(profileFact(page, "Username")).toHaveText(account.username);
    await expect(profileFact(page, "Email")).toHaveText(account.email);
    await expect(profileFact(page, "Role")).toHaveText("member");
    await expect(sessionsOf(page)).toHaveCount(1);
    await expect(page.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);

    const other = await newDevice(browser);
    try {
      await signIn(other.page, account);

      const userAgent = (await page.reload())?.request().headers()["user-agent"] ?? "";
      await expect(sessionsOf(page)).toHaveCount(2);
      // Devices by name ("Chrome on Linux"), the raw user agent on demand.
      const device = sessionsOf(page).filter({ hasText: "This device" });
      await expect(device.locator(".session-list__device")).toHaveText(/^Chrome on (Linux|macOS|Windows)$/);
      const agent = device.locator("details");
      await expect(agent.locator("code")).not.toBeVisible();
      await agent.getByText("Full user agent").click();
      await expect(agent.locator("code")).toHaveText(userAgent);
      expect(userAgent).toMatch(/Chrome\/\d/);
      await expect(sessionsOf(page).filter({ hasText: "This device" })).toHaveCount(1);
      await expect(page.getByRole("button", { name: "Sign out everywhere else" })).toBeVisible();
      const revoke = page.getByRole("button", { name: /^Revoke/ });
      await expect(revoke).toHaveCount(1);
      await revoke.click();
      await expect(page).toHaveURL(/\/account\?done=session-revoked$/);
      await expect(page.getByRole("status")).toHaveText("The session was signed out.");
      await expect(sessionsOf(page)).toHaveCount(1);
      await expect(sessionsOf(page)).toContainText("This device");
      await expect(page.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);
      await expectSignedInAs(page, account.username);

      await expectSentToSignIn(other.page);
    } finally {
      await other.context.close();
    }
  });

  test("a wrong password is refused: the email is kept, the password is not", async ({ page }) => {
    const account = newAccount("wpw");
    await register(page, account);
    await signOut(page);

    await page.goto("/login");
    const response = await submitSignIn(page, account.email, "not the password at all");
    expect(response.status()).toBe(401);
    await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByLabel("Email")).toHaveValue(account.email);
    // With or without scripts, the refused password is not kept.
    await expect(page.getByLabel("Password")).toHaveValue("");
    await expectGuest(page);
    await expectAccessible(page);
  });

  test("sign-in is throttled after five wrong passwords, even for the right one", async ({ page }) => {
    const account = newAccount("thr");
    await register(page, account);
    await signOut(page);

    await page.goto("/login");
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await submitSignIn(page, account.email, `wrong password number ${attempt}`);
      expect(response.status(), `attempt ${attempt}`).toBe(401);
      await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
    }
    const refused = await submitSignIn(page, account.email, account.password);
    // Without scripts this is the document's response; with them, React Router's single-fetch
    // `/login.data` request, whose HTTP status is the action's status too.
    expect(refused.status()).toBe(429);
    await expect(page.getByRole("alert")).toHaveText(
      /^Too many sign-in attempts\. Try again in \d+ (seconds?|minutes?)\.$/,
    );
    await expect(page).toHaveURL(/\/login$/);
    await expectGuest(page);
    // DESIGN.md: "the reply is 429 with a clear message and `Retry-After`" (at most the 15-minute window).
    const retryAfter = refused.headers()["retry-after"];
    expect(retryAfter, "Retry-After header on the 429").toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(15 * 60);
  });

  test("registration errors show next to their fields and keep what was typed", async ({ page }) => {
    const account = newAccount("reg");
    await page.goto("/register");
    await expect(page.getByLabel("Password")).toHaveAccessibleDescription("At least 12 characters");
    await fillRegistration(page, {
      username: "Bad name!",
      email: account.email,
      password: "short",
    });
    await expect(page).toHaveURL(/\/register$/);
    await expect(page.getByRole("alert")).toHaveText("Please correct the fields marked below.");
    const username = page.getByLabel("Username");
    await expect(username).toHaveAttribute("aria-invalid", "true");
    await expect(username).toHaveAccessibleDescription(/Use only letters, digits and _/);
    await expect(username).toHaveValue("Bad name!");
    // The error takes the hint's place: the two never say the same thing twice.
    await expect(page.getByLabel("Password")).toHaveAccessibleDescription("Use at least 12 characters");
    await expect(page.getByText("At least 12 characters", { exact: true })).toHaveCount(0);
    await expect(page.getByLabel("Password")).toHaveValue("");
    await expect(page.getByLabel("Email")).toHaveValue(account.email);
    await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
    await expectGuest(page);
    await expectAccessible(page);

    await fillRegistration(page, {
      username: "ab",
      email: account.email,
      password: account.password,
    });
    await expect(page.getByLabel("Username")).toHaveAccessibleDescription(/Use at least 3 characters/);
    await expect(page.getByLabel("Password")).not.toHaveAttribute("aria-invalid", "true");

    await fillRegistration(page, account);
    await expect(page).toHaveURL(/\/register\/check-email/);
    await confirmRegistration(page, account);
    await expect(page).toHaveURL(/\/account$/);
    await expectSignedInAs(page, account.username);
    await signOut(page);

    // The same username again (any case) is taken; the email is free, so only the username is marked.
    const second = newAccount("reg");
    await page.goto("/register");
    await fillRegistration(page, {
      ...second,
      username: account.username.toUpperCase(),
    });
    await expect(page.getByLabel("Username")).toHaveAccessibleDescription(/This username is taken/);
    await expect(page.getByLabel("Username")).toHaveValue(account.username.toUpperCase());
    await expect(page.getByLabel("Email")).toHaveValue(second.email);
    await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
    await expectGuest(page);
  });

  test("changing the password needs the current one and signs out the other devices", async ({ page, browser }) => {
    const account = newAccount("pwd");
    await register(page, account);
    const other = await newDevice(browser);
    try {
      await signIn(other.page, account);

      await page.goto("/account");
      await expect(sessionsOf(page)).toHaveCount(2);
      const current = page.getByLabel("Current password");
      const next = page.getByLabel("New password");
      const change = page.getByRole("button", { name: "Change password" });

      await current.fill(account.password);
      await next.fill("too short");
      await change.click();
      await expect(next).toHaveAccessibleDescription(/Use at least 12 characters/);
      await expect(next).toHaveAttribute("aria-invalid", "true");

      await current.fill("not my current password");
      await next.fill("a brand new passphrase");
      await change.click();
      await expect(current).toHaveAccessibleDescription("The current password is not correct.");
      await expect(current).toHaveAttribute("aria-invalid", "true");
      await expect(sessionsOf(page)).toHaveCount(2);

      const newPassword = `${account.password} renewed`;
      await current.fill(account.password);
      await next.fill(newPassword);
      await change.click();
      await expect(page).toHaveURL(/\/account\?done=password-changed$/);
      await expect(page.getByRole("status")).toHaveText(
        "Your password was changed, and your other sessions were signed out.",
      );
      await expect(sessionsOf(page)).toHaveCount(1);
      await expectSignedInAs(page, account.username);

      await expectSentToSignIn(other.page);
      await signIn(other.page, { ...account, password: newPassword });
    } finally {
      await other.context.close();
    }
  });

  test("/protected sends members to /account and guests to sign in first", async ({ page }) => {
    const account = newAccount("prt");
    await register(page, account);
    await page.goto("/protected");
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();

    await signOut(page);
    await page.goto("/protected");
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
    await expectGuest(page);
    await submitSignIn(page, account.email, account.password);
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expectSignedInAs(page, account.username);
    await expectAccessible(page);
  });

  test("a `next` pointing off-site ends on /account", async ({ page }) => {
    const account = newAccount("nxt");
    await register(page, account);
    await signOut(page);

    await page.goto("/login?next=//evil.example");
    // The sign-in form, "Continue with GitHub" and "Continue with Google" all carry it.
    const nexts = page.locator('input[name="next"]');
    await expect(nexts).toHaveCount(3);
    for (const input of await nexts.all()) await expect(input).toHaveValue("/account");
    await submitSignIn(page, account.email, account.password);
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/account$/);
    await expectSignedInAs(page, account.username);

    // Already signed in: the login page itself redirects, to the same safe place.
    await page.goto("/login?next=//evil.example");
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/account$/);
  });

  test("admins make members moderators; members may not open /admin", async ({ page, browser }) => {
    const member = newAccount("mem");
    const device = await newDevice(browser);
    try {
      await register(device.page, member);
      await expect(header(device.page).getByRole("link", { name: "Admin" })).toHaveCount(0);
      const forbidden = await device.page.goto("/admin");
      expect(forbidden?.status()).toBe(403);
      await expect(
        device.page.getByRole("heading", {
          level: 1,
          name: "This request could not be handled",
        }),
      ).toBeVisible();
      await expect(device.page.getByText("Your account may not do this.")).toBeVisible();
      await expect(device.page.getByRole("button", { name: /Make moderator/ })).toHaveCount(0);

      // The one admin address is shared by both projects on one database: whichever runs first
      // registers it, the other signs in to it.
      await signInAsAdmin(page);
      await expectSignedInAs(page, ADMIN.username);
      await expect(profileFact(page, "Role")).toHaveText("admin");
      await header(page).getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
      await expect(page).toHaveURL(/\/admin$/);
      await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
      await expect(
        page.getByRole("heading", {
          level: 2,
          name: "Action log",
        }),
      ).toBeVisible();

      const search = page.getByRole("search");
      await search.getByLabel("Find accounts by username or email").fill(member.username);
      await search.getByRole("button", { name: "Search" }).click();
      await expect(page).toHaveURL(new RegExp(`/admin\\?q=${member.username}$`));
      const card = page
        .getByRole("region", { name: "Accounts" })
        .getByRole("listitem")
        .filter({ hasText: member.email });
      await expect(card).toHaveCount(1);
      await expect(card).toContainText("member, joined");
      await expectAccessible(page);
      await card.getByRole("button", { name: `Make moderator (${member.username})` }).click();

      await expect(page).toHaveURL(/\/admin\?done=promoted$/);
      await expect(page.getByRole("status")).toHaveText("The member is now a moderator.");
      const activity = page.getByRole("region", { name: "Action log" }).getByRole("listitem");
      await expect(
        activity.filter({ hasText: "auth.role_changed" }).filter({ hasText: `"username":"${member.username}"` }),
      ).toHaveCount(1);

      await search.getByLabel("Find accounts by username or email").fill(member.username);
      await search.getByRole("button", { name: "Search" }).click();
      await expect(page).toHaveURL(new RegExp(`/admin\\?q=${member.username}$`));
      await expect(card).toContainText("moderator, joined");
      await expect(card.getByRole("button", { name: /Make moderator/ })).toHaveCount(0);

      await device.page.goto("/account");
      await expect(profileFact(device.page, "Role")).toHaveText("moderator");
      // A moderator is still no admin.
      expect((await device.page.goto("/admin"))?.status()).toBe(403);
    } finally {
      await device.context.close();
    }
  });

  test("the account page is accessible with several sessions listed", async ({ page, browser }) => {
    const account = newAccount("a11");
    await register(page, account);
    const other = await newDevice(browser);
    try {
      await signIn(other.page, account);
    } finally {
      await other.context.close();
    }
    await page.goto("/account");
    await expect(sessionsOf(page)).toHaveCount(2);
    await expectAccessible(page);
  });
});
