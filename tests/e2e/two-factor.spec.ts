import { expect, type Page } from "@playwright/test";
import { codeFor, currentStep, stepAfter } from "../support/totp.ts";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { header, type Account } from "./support.ts";

/**
 * Two-factor sign-in end to end, in both projects (JavaScript on and off). The test is the
 * authenticator app: it reads the secret the setup page shows and computes codes with otpauth.
 * Codes are taken from later time steps than the last used (the server accepts one step of drift
 * either way), so nothing waits for the clock and no code is used twice.
 */

async function signOut(page: Page): Promise<void> {
  await header(page).getByRole("button", { name: "Sign out" }).click();
  await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
}

async function sendPassword(page: Page, account: Account, next?: string): Promise<void> {
  await page.goto(next ? `/login?${new URLSearchParams({ next })}` : "/login");
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function sendSecondFactor(page: Page, code: string): Promise<void> {
  await expect(page).toHaveURL(/\/login\/two-factor$/);
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByRole("button", { name: "Verify and sign in" }).click();
}

const expectSignedInAs = (page: Page, account: Account) =>
  expect(header(page)).toContainText(`Signed in as ${account.username}`);

test.describe("two-factor authentication", () => {
  test("turn on with the app's code, sign in with a code and with a backup code, turn off", async ({
    page,
    members,
  }) => {
    test.slow();
    const account = await members.signIn(page, "tfa");
    await page.goto("/account");

    await page.getByRole("link", { name: "Manage two-factor authentication" }).click();
    await expect(page).toHaveURL(/\/account\/two-factor$/);
    await expect(page.getByRole("heading", { level: 1, name: "Two-factor authentication" })).toBeVisible();
    await expectAccessible(page);
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();

    const secretText = page.getByTestId("totp-secret");
    await expect(secretText).toHaveText(/^[A-Z2-7]{4}( [A-Z2-7]{4})+$/);
    const secret = (await secretText.innerText()).replace(/ /g, "");
    await expect(page.getByRole("img", { name: "QR code that adds glassbox to an authenticator app" })).toBeVisible();
    await page.reload();
    await expect(secretText, "the setup survives a reload").toHaveText(/^[A-Z2-7 ]+$/);
    expect((await secretText.innerText()).replace(/ /g, "")).toBe(secret);
    await expectAccessible(page);

    const step = currentStep();
    await page.getByLabel("Code from the app").fill(codeFor(secret, step));
    await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    const codes = page.getByRole("list", { name: "Backup codes" }).getByRole("listitem");
    await expect(codes).toHaveCount(10);
    const backupCodes = await codes.allInnerTexts();
    for (const code of backupCodes) expect(code).toMatch(/^[2-9a-z]{4}(-[2-9a-z]{4}){3}$/);
    await expectAccessible(page);

    // Sign in with a code from the app; `next` is kept through the step.
    await signOut(page);
    await sendPassword(page, account, "/account/two-factor");
    await expect(page.getByRole("heading", { level: 1, name: "Two-factor sign-in" })).toBeVisible();
    await expect(header(page).getByRole("link", { name: "Sign in", exact: true }), "no session yet").toBeVisible();
    await expectAccessible(page);
    await sendSecondFactor(page, codeFor(secret, step + 10));
    await expect(page.getByLabel("Code", { exact: true })).toHaveAccessibleDescription(/That code is not valid/);
    await expectAccessible(page);
    await sendSecondFactor(page, codeFor(secret, stepAfter(step)));
    await expect(page).toHaveURL(/\/account\/two-factor$/);
    await expectSignedInAs(page, account);
    await expect(page.getByText("You have 10 unused backup codes.")).toBeVisible();

    // Sign in with a backup code instead.
    await signOut(page);
    await sendPassword(page, account);
    await sendSecondFactor(page, backupCodes[0] ?? "");
    await expect(page).toHaveURL(/\/account$/);
    await expectSignedInAs(page, account);
    await expect(page.getByRole("region", { name: "Two-factor authentication" })).toContainText(
      "On: signing in asks for a code",
    );

    // Turn it off with another backup code: the password alone signs in again.
    await page.getByRole("link", { name: "Manage two-factor authentication" }).click();
    await expect(page.getByText("You have 9 unused backup codes.")).toBeVisible();
    await page.getByLabel("Code to turn off").fill(backupCodes[1] ?? "");
    await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
    await expect(page).toHaveURL(/\/account\/two-factor\?done=disabled$/);
    await expect(page.getByRole("status")).toHaveText(
      "Two-factor authentication is off. Signing in asks only for your password.",
    );
    await signOut(page);
    await sendPassword(page, account);
    await expect(page).toHaveURL(/\/account$/);
    await expectSignedInAs(page, account);
  });
});
