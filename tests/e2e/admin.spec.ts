import { expect, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { header, javaScriptEnabled, newAccount, newDevice, registerThroughForm, type Account } from "./support.ts";

/** Live updates should arrive well within this. */
const LIVE = { timeout: 5_000 };

const actionLog = (page: Page) => page.getByRole("region", { name: "Action log" });
const entryOf = (page: Page, account: Account, action: string) =>
  actionLog(page).getByRole("listitem").filter({ hasText: action }).filter({ hasText: account.username });

test("the admin's action log shows another user's actions without a reload (with scripts), through the same filter as the list", async ({
  page,
  browser,
  members,
}) => {
  // Two sign-ups through the form (argon2 each) and an accessibility scan: more than the default 30 s on a busy machine.
  test.setTimeout(60_000);
  await members.signIn(page, "logadm", { role: "admin" });
  await page.goto("/admin");
  // The filter form, as a visitor without scripts uses it too.
  await actionLog(page).getByLabel("Action", { exact: true }).selectOption("auth.register");
  await actionLog(page).getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/admin\?.*action=auth\.register.*#action-log$/);
  await expect(actionLog(page).getByLabel("Action", { exact: true })).toHaveValue("auth.register");
  await expectAccessible(page);

  const other = await newDevice(browser);
  const first = newAccount("live");
  await registerThroughForm(other.page, first);
  // Signing out is an action the filter leaves out; a second sign-up, after it, is one it keeps.
  await other.page.getByRole("button", { name: "Sign out" }).click();
  // Signed out before the next sign-up starts (with scripts the sign-out is a navigation of its own).
  await expect(header(other.page).getByRole("link", { name: "Sign in" })).toBeVisible();
  const second = newAccount("live");
  await registerThroughForm(other.page, second);
  if (!javaScriptEnabled()) await page.reload();
  await expect(entryOf(page, first, "auth.register")).toHaveCount(1, LIVE);
  await expect(entryOf(page, second, "auth.register")).toHaveCount(1, LIVE);
  await expect(actionLog(page).getByRole("listitem").filter({ hasText: "auth.logout" })).toHaveCount(0);
  if (javaScriptEnabled())
    await expect(actionLog(page).getByText(/new entr(y|ies) since the page loaded/)).toBeVisible();
  await other.context.close();
});

test("an account's Activity link shows only that account's actions", async ({ page, browser, members }) => {
  const other = await newDevice(browser);
  const account = newAccount("act");
  await registerThroughForm(other.page, account);
  await other.context.close();

  await members.signIn(page, "actadm", { role: "admin" });
  await page.goto(`/admin?q=${account.username}`);
  await page.getByRole("link", { name: `Activity of ${account.username}` }).click();
  await expect(page).toHaveURL(/\/admin\?actor=[0-9a-f-]{36}#action-log$/);
  const entries = actionLog(page).getByRole("listitem");
  await expect(entries.filter({ hasText: "auth.register" })).toHaveCount(1);
  for (const text of await entries.allTextContents()) expect(text).toContain(`by ${account.username}`);
});
