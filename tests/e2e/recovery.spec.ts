import { expect, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { fillRegistration, header, javaScriptEnabled, mailLink, newAccount, newDevice, unique } from "./support.ts";

/**
 * Accounts a user can rely on (issue 13), end to end in both projects: a forgotten password, a
 * sign-up finished by its mailed link, Google sign-in and linking against the fake Google
 * (tests/support/fake-google.ts, started by playwright.config.ts), deleting the account; and, with
 * JavaScript, the `session` live event reaching another tab.
 */

const signedInAs = (page: Page, name: string) => expect(header(page)).toContainText(`Signed in as ${name}`);
const signInLink = (page: Page) => header(page).getByRole("link", { name: "Sign in", exact: true });

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("forgot password: the mailed link sets a new one, and every old session is gone", async ({
  page,
  browser,
  members,
}) => {
  const account = await members.signIn(page, "forgot");
  const other = await newDevice(browser);
  const stranger = await newDevice(browser);
  try {
    await signIn(other.page, account.email, account.password);
    await signedInAs(other.page, account.username);

    // Someone who forgot it, in a browser of their own.
    const guest = stranger.page;
    await guest.goto("/login");
    await guest.getByRole("link", { name: "Forgot password?" }).click();
    await expect(guest).toHaveURL(/\/forgot-password$/);
    await guest.getByLabel("Email").fill(account.email);
    await guest.getByRole("button", { name: "Send the link" }).click();
    await expect(guest.getByRole("status")).toHaveText(
      /If an account uses that address, a link to choose a new password is on its way/,
    );
    await expectAccessible(guest);

    await guest.goto(await mailLink(guest, account.email, /^Choose a new glassbox password$/, "/reset-password"));
    await expect(guest.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
    await expectAccessible(guest);
    const newPassword = `${account.password} renewed`;
    await guest.getByLabel("New password", { exact: true }).fill(newPassword);
    await guest.getByRole("button", { name: "Set the new password" }).click();
    await expect(guest).toHaveURL(/\/login\?done=password-reset$/);
    await expect(guest.getByRole("status")).toHaveText(
      "Your password was changed and every session was signed out. Sign in with the new password.",
    );

    // Both earlier sessions ended.
    for (const old of [page, other.page]) {
      await old.goto("/account");
      await expect(old).toHaveURL(/\/login\?next=%2Faccount$/);
      await expect(signInLink(old)).toBeVisible();
    }
    // The link was used up; the new password signs in.
    const used = await mailLink(guest, account.email, /^Choose a new glassbox password$/, "/reset-password");
    await guest.goto(used);
    await expect(guest.getByRole("heading", { level: 1, name: "This link no longer works" })).toBeVisible();
    await signIn(page, account.email, newPassword);
    await expect(page).toHaveURL(/\/account$/);
    await signedInAs(page, account.username);
  } finally {
    await other.context.close();
    await stranger.context.close();
  }
});

test("register, follow the mailed link, and post in the chat", async ({ page }) => {
  const account = newAccount("verify");
  await page.goto("/register");
  await fillRegistration(page, account);
  await expect(page).toHaveURL(/\/register\/check-email\?next=%2Faccount$/);
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  await expect(signInLink(page)).toBeVisible();
  await expectAccessible(page);

  // Before the link, the password does not sign in yet.
  await signIn(page, account.email, account.password);
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");

  await page.goto(await mailLink(page, account.email, /^Welcome to glassbox/, "/verify-email"));
  await expect(page.getByRole("heading", { level: 1, name: "Confirm your email address" })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: `Confirm ${account.email}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  await signedInAs(page, account.username);
  await expect(page.getByRole("region", { name: "Email address" })).toContainText(`${account.email} — confirmed`);

  await page.goto("/chat");
  const body = `confirmed and posting ${unique()}`;
  await page.getByLabel("Message", { exact: true }).fill(body);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("list", { name: "Messages in Lobby" })).toContainText(body);
});

test.describe("Google", () => {
  /** A Google account unique to this test and project. */
  function googleIdentity() {
    const tag = `${javaScriptEnabled() ? "j" : "n"}${unique()}`;
    return { sub: `1${String(Number.parseInt(tag.slice(1, 9), 36)).padStart(15, "0")}`, email: `g.${tag}@gmail.test` };
  }

  async function approveOnGoogle(page: Page, identity: { sub: string; email: string }): Promise<void> {
    await expect(page).toHaveTitle("Authorize glassbox — fake Google");
    await page.getByLabel("Google account id").fill(identity.sub);
    await page.getByLabel("Google email").fill(identity.email);
    await page.getByRole("button", { name: "Authorize glassbox" }).click();
  }

  test("a new Google user gets a confirmed account and can post at once", async ({ page }) => {
    const identity = googleIdentity();
    await page.goto("/login");
    await page.getByRole("button", { name: "Continue with Google" }).click();
    await approveOnGoogle(page, identity);
    await expect(page).toHaveURL(/\/account$/);
    const username = identity.email.split("@")[0]?.replace(/[^a-z0-9_]/g, "") ?? "";
    await signedInAs(page, username);
    await expect(page.getByRole("region", { name: "Connected accounts" })).toContainText(identity.email);
    await expect(page.getByRole("region", { name: "Email address" })).toContainText("confirmed");
    await expectAccessible(page);

    await page.goto("/chat");
    const body = `from Google ${unique()}`;
    await page.getByLabel("Message", { exact: true }).fill(body);
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.getByRole("list", { name: "Messages in Lobby" })).toContainText(body);
  });

  test("link Google to a password account, then sign in with it", async ({ page, browser, members }) => {
    const account = await members.signIn(page, "glink");
    await page.goto("/account");
    const identity = googleIdentity();
    const connections = page.getByRole("region", { name: "Connected accounts" });
    await connections.getByRole("button", { name: "Connect Google" }).click();
    await approveOnGoogle(page, identity);
    await expect(page).toHaveURL(/\/account\?done=google-linked$/);
    await expect(page.getByRole("status")).toHaveText("Google is connected: you can now sign in with it.");
    await expect(connections).toContainText(identity.email);

    const elsewhere = await newDevice(browser);
    try {
      await elsewhere.page.goto("/login");
      await elsewhere.page.getByRole("button", { name: "Continue with Google" }).click();
      await approveOnGoogle(elsewhere.page, identity);
      await expect(elsewhere.page).toHaveURL(/\/account$/);
      await signedInAs(elsewhere.page, account.username);
    } finally {
      await elsewhere.context.close();
    }
  });
});

test("delete the account: confirmed with the password, signed out, chat messages kept as 'deleted user'", async ({
  page,
  members,
}) => {
  const account = await members.signIn(page, "leave");
  await page.goto("/chat");
  const body = `last words ${unique()}`;
  await page.getByLabel("Message", { exact: true }).fill(body);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("list", { name: "Messages in Lobby" })).toContainText(body);

  await page.goto("/account");
  const danger = page.getByRole("region", { name: "Delete your account" });
  await danger.getByLabel("Confirm with your password").fill("not the password");
  await danger.getByRole("button", { name: "Delete my account" }).click();
  await expect(
    page.getByRole("region", { name: "Delete your account" }).getByLabel("Confirm with your password"),
  ).toHaveAccessibleDescription("The current password is not correct.");
  await expectAccessible(page);

  await page
    .getByRole("region", { name: "Delete your account" })
    .getByLabel("Confirm with your password")
    .fill(account.password);
  await page
    .getByRole("region", { name: "Delete your account" })
    .getByRole("button", { name: "Delete my account" })
    .click();
  await expect(page).toHaveURL(/\/login\?done=account-deleted$/);
  await expect(page.getByRole("status")).toHaveText("Your account was deleted.");
  await expect(signInLink(page)).toBeVisible();

  await page.goto("/chat");
  const message = page.getByRole("listitem").filter({ hasText: body });
  await expect(message).toContainText("deleted user");
  await expect(message).not.toContainText(account.username);
  await signIn(page, account.email, account.password);
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
});

test(
  "a sign-out and a sign-in in one tab reach another tab's header and lab without a reload",
  { tag: "@scripts" },
  async ({ context, members }) => {
    const account = await members.signIn(context, "livetab");
    const first = await context.newPage();
    await first.goto("/account");
    const lab = await context.newPage();
    // The lab's stream is open (its headers came) before anything happens in the other tab.
    const streamOpen = lab.waitForResponse((response) => response.url().includes("/events?"));
    await lab.goto("/lab");
    await streamOpen;
    const sessionStatus = lab.locator("#session-status");
    await signedInAs(lab, account.username);
    await expect(sessionStatus).toContainText(`Signed in as ${account.username}`);

    await header(first).getByRole("button", { name: "Sign out" }).click();
    await expect(signInLink(first)).toBeVisible();
    await expect(signInLink(lab)).toBeVisible();
    await expect(sessionStatus).toContainText("Browsing as a guest.");

    await signIn(first, account.email, account.password);
    await expect(first).toHaveURL(/\/account$/);
    await signedInAs(lab, account.username);
    await expect(sessionStatus).toContainText(`Signed in as ${account.username}`);
  },
);
