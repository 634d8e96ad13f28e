import { expect, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { header, javaScriptEnabled, unique } from "./support.ts";

/**
 * GitHub sign-in end to end, in both projects: the app redirects to the fake GitHub started by
 * playwright.config.ts (tests/support/fake-github.ts), whose approve page says who the visitor is
 * there; it insists on state and PKCE, so these journeys fail if either is dropped.
 */
interface GitHubIdentity {
  readonly id: string;
  readonly login: string;
  readonly email: string;
}

/** A GitHub account unique to this test and project. */
function gitHubIdentity(): GitHubIdentity {
  const tag = `${javaScriptEnabled() ? "j" : "n"}${unique()}`;
  return {
    id: String((Number.parseInt(tag.slice(1, 9), 36) % 1_000_000_000) + 1),
    login: `Octo-${tag}`,
    email: `octo-${tag}@github.test`,
  };
}

/** On the fake's approve page: answer as `identity`, or cancel. */
async function approveOnGitHub(page: Page, identity: GitHubIdentity | "cancel"): Promise<void> {
  await expect(page.getByRole("heading", { name: "Authorize glassbox" })).toBeVisible();
  if (identity === "cancel") {
    await page.getByRole("button", { name: "Cancel" }).click();
    return;
  }
  await page.getByLabel("GitHub user id").fill(identity.id);
  await page.getByLabel("GitHub login").fill(identity.login);
  await page.getByLabel("Primary email").fill(identity.email);
  await page.getByRole("button", { name: "Authorize glassbox" }).click();
}

async function signInWithGitHub(page: Page, identity: GitHubIdentity): Promise<void> {
  await page.goto("/login");
  await page.getByRole("button", { name: "Continue with GitHub" }).click();
  await approveOnGitHub(page, identity);
  await expect(page).toHaveURL(/\/account$/);
}

function connections(page: Page) {
  return page.getByRole("region", { name: "Connected accounts" });
}

/** The username an account made from this GitHub login gets (when it is free). */
const usernameOf = (identity: GitHubIdentity) => identity.login.toLowerCase().replace(/-/g, "_").slice(0, 20);

test.describe("GitHub sign-in", () => {
  test("a new GitHub user gets an account, and comes back to the same one", async ({ page }) => {
    const identity = gitHubIdentity();
    await signInWithGitHub(page, identity);
    await expect(header(page)).toContainText(`Signed in as ${usernameOf(identity)}`);
    await expect(connections(page)).toContainText(identity.login);
    await expect(page.getByRole("heading", { name: "Set a password" })).toBeVisible();
    await expect(page.getByLabel("Current password")).toHaveCount(0);
    await expectAccessible(page);

    await header(page).getByRole("button", { name: "Sign out" }).click();
    await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
    await signInWithGitHub(page, { ...identity, email: `renamed-${identity.email}` });
    await expect(header(page)).toContainText(`Signed in as ${usernameOf(identity)}`);
  });

  test("cancelling on GitHub shows why nothing happened", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Continue with GitHub" }).click();
    await approveOnGitHub(page, "cancel");
    await expect(page).toHaveURL(/\/auth\/github\/callback\?/);
    await expect(page.getByRole("alert")).toHaveText("GitHub did not authorize glassbox, so nothing changed.");
    await expect(page.getByRole("link", { name: "Sign in", exact: true }).last()).toBeVisible();
    await expectAccessible(page);
  });

  test("a GitHub email that belongs to an account is not linked: sign in with the password first", async ({
    page,
    members,
  }) => {
    const account = await members.signIn(page, "ghmail");
    await page.goto("/account");
    await header(page).getByRole("button", { name: "Sign out" }).click();
    await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();

    await page.goto("/login");
    await page.getByRole("button", { name: "Continue with GitHub" }).click();
    await approveOnGitHub(page, { ...gitHubIdentity(), email: account.email });
    await expect(page.getByRole("alert")).toContainText(
      "Sign in with your password, then connect GitHub from your account page.",
    );
    await expect(header(page).getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  });
});

test.describe("GitHub on the account page", () => {
  test("link GitHub to a password account, sign in with it elsewhere, then unlink", async ({
    page,
    browser,
    members,
  }) => {
    const account = await members.signIn(page, "ghlink");
    await page.goto("/account");

    const identity = gitHubIdentity();
    await connections(page).getByRole("button", { name: "Connect GitHub" }).click();
    await approveOnGitHub(page, identity);
    await expect(page).toHaveURL(/\/account\?done=github-linked$/);
    await expect(page.getByRole("status")).toHaveText("GitHub is connected: you can now sign in with it.");
    await expect(connections(page)).toContainText(identity.login);

    const { baseURL, javaScriptEnabled: scripts } = test.info().project.use;
    const other = await browser.newContext({ baseURL, javaScriptEnabled: scripts });
    const elsewhere = await other.newPage();
    await signInWithGitHub(elsewhere, identity);
    await expect(header(elsewhere)).toContainText(`Signed in as ${account.username}`);
    await other.close();

    await connections(page).getByRole("button", { name: "Disconnect GitHub" }).click();
    await expect(page).toHaveURL(/\/account\?done=github-unlinked$/);
    await expect(page.getByRole("status")).toHaveText("GitHub was disconnected from your account.");
    await expect(connections(page).getByRole("button", { name: "Connect GitHub" })).toBeVisible();
  });

  test("a GitHub-only account sets a password before it may unlink", async ({ page }) => {
    const identity = gitHubIdentity();
    await signInWithGitHub(page, identity);
    await connections(page).getByRole("button", { name: "Disconnect GitHub" }).click();
    await expect(page.getByRole("alert")).toHaveText(
      "GitHub is your only way to sign in: set a password before you disconnect it.",
    );
    await page.getByRole("link", { name: "Back to your account" }).click();
    await expect(page).toHaveURL(/\/account$/);

    await page.getByLabel("New password").fill(`a new password ${unique()}`);
    await page.getByRole("button", { name: "Set password" }).click();
    await expect(page).toHaveURL(/\/account\?done=password-changed$/);
    await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
    await connections(page).getByRole("button", { name: "Disconnect GitHub" }).click();
    await expect(page).toHaveURL(/\/account\?done=github-unlinked$/);
  });
});
