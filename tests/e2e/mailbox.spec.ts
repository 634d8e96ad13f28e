import { expect, test, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { newAccount, registerThroughForm } from "./support.ts";

/**
 * The development mailbox, in both projects: the e2e server runs in development on the embedded
 * database without SMTP_URL, so the web process runs the jobs itself and keeps mail at /dev/mailbox.
 */

/** The mailbox's entry to `to` with this subject, once the job worker has delivered it (the page is reloaded until then). */
async function mailInMailbox(page: Page, to: string, subject: string) {
  // Both projects share the server's mailbox: the recipient tells this test's mails apart.
  const mail = page.getByRole("article", { name: subject }).filter({ hasText: to });
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(mail).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  return mail;
}

test("registering sends a welcome mail, and changing the password a notice; both show in /dev/mailbox, newest first", async ({
  page,
}) => {
  const account = newAccount("mail");
  await registerThroughForm(page, account);

  const welcome = await mailInMailbox(page, account.email, `Welcome to glassbox, ${account.username}`);
  await expect(welcome.getByRole("definition").first()).toHaveText(account.email);
  await expect(welcome).toContainText(`Sign in with ${account.email}.`);
  await expectAccessible(page);

  await page.goto("/account");
  await page.getByLabel("Current password").fill(account.password);
  await page.getByLabel("New password").fill(`${account.password} renewed`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/account\?done=password-changed$/);

  const notice = await mailInMailbox(page, account.email, "Your glassbox password was changed");
  await expect(notice).toContainText(`Hello ${account.username},`);
  // Newest first: this account's notice comes before its welcome mail.
  const mine = page.getByRole("article").filter({ hasText: account.email });
  await expect(mine).toHaveCount(2);
  expect(await mine.evaluateAll((articles) => articles.map((article) => article.getAttribute("aria-label")))).toEqual([
    "Your glassbox password was changed",
    `Welcome to glassbox, ${account.username}`,
  ]);
});
