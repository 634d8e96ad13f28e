import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";

/** What the account and chat journeys share: test accounts, the run's admin, extra devices. */
export interface Account {
  readonly username: string;
  readonly email: string;
  readonly password: string;
}

/** The one admin address of the run (ADMIN_EMAILS in playwright.config.ts), shared by both projects. */
export const ADMIN: Account = {
  username: "admin_e2e",
  email: "admin@e2e.test",
  password: "admin password for the e2e run",
};

export function javaScriptEnabled(): boolean {
  return test.info().project.use.javaScriptEnabled !== false;
}

export function unique(): string {
  return `${Date.now().toString(36).slice(-4)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A fresh account: lowercase letters, digits and _ only, at most 20 characters, unique per project. */
export function newAccount(prefix: string): Account {
  const random = unique();
  const username = `${prefix}_${javaScriptEnabled() ? "j" : "n"}${random}`.slice(0, 20);
  return { username, email: `${username}@example.test`, password: `correct horse ${random}` };
}

/** Another browser (its own cookies), scripted or not like the project. */
export async function newDevice(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const { baseURL, javaScriptEnabled: scripts } = test.info().project.use;
  const context = await browser.newContext({ baseURL, javaScriptEnabled: scripts });
  return { context, page: await context.newPage() };
}

export function header(page: Page): Locator {
  return page.getByRole("banner");
}

/** Fills and sends the registration form of the page (already on /register). */
export async function fillRegistration(
  page: Page,
  account: Pick<Account, "username" | "email" | "password">,
): Promise<void> {
  await page.getByLabel("Username").fill(account.username);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/**
 * The link to `path` in the newest mail to `to` whose subject matches, as a path on the site, read
 * from the development mailbox (the e2e server keeps mail there), reloading until it has arrived.
 */
export async function mailLink(page: Page, to: string, subject: RegExp, path: string): Promise<string> {
  let link = "";
  await expect(async () => {
    await page.goto(`/dev/mailbox?${new URLSearchParams({ to })}`);
    const mail = page
      .getByRole("article")
      .filter({ has: page.getByRole("heading", { name: subject }) })
      .first();
    const text = await mail.locator("pre").innerText({ timeout: 500 });
    const found = new RegExp(`https?://[^\\s/]+(${path}\\?\\S+)`).exec(text)?.[1];
    expect(found, `a ${path} link in the mail`).toBeDefined();
    link = found ?? "";
  }).toPass({ timeout: 15_000 });
  return link;
}

/** Follows the welcome mail's link and confirms: the sign-up is finished and this page signed in. */
export async function confirmRegistration(page: Page, account: Pick<Account, "email">): Promise<void> {
  await page.goto(await mailLink(page, account.email, /^Welcome to glassbox/, "/verify-email"));
  await page.getByRole("button", { name: `Confirm ${account.email}` }).click();
}

/** Registers through the form and the welcome mail's link; the account is then signed in on this page, on /account. */
export async function registerThroughForm(page: Page, account: Account): Promise<void> {
  await page.goto("/register");
  await fillRegistration(page, account);
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  await confirmRegistration(page, account);
  await expect(page).toHaveURL(/\/account$/);
}

/**
 * admin@e2e.test, signed in on this page. Both projects share it on one database: a test signs in,
 * or (the first time) registers and follows the newest welcome link. Two first times at once
 * replace each other's registration (a sign-up not confirmed yet does not hold its address), so it
 * tries again until one of the two ways works.
 */
export async function signInAsAdmin(page: Page): Promise<void> {
  const welcome = page.getByRole("heading", { level: 1, name: "Your account" });
  await expect(async () => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(welcome.or(page.getByRole("alert"))).toBeVisible();
    if (await welcome.isVisible()) return;
    await page.goto("/register");
    await fillRegistration(page, ADMIN);
    await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
    await confirmRegistration(page, ADMIN);
    await expect(welcome).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 45_000 });
  await expect(header(page)).toContainText(`Signed in as ${ADMIN.username}`);
}
