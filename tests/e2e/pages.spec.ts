import { expect, test } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { work } from "./content.ts";

/** Every page built from content/ (the home page, the work index, each case study, open source). */
const contentPages = ["/", "/work", ...work.studies.map((study) => `/work/${study.slug}`), "/open-source"];

test.describe("portfolio pages", () => {
  test("renders the portfolio content with header, navigation and footer", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    expect(response?.headers()["x-request-id"]).toBeTruthy();
    await expect(page).toHaveTitle(/glassbox/);
    await expect(page.getByRole("heading", { level: 1, name: "Software you can see running" })).toBeVisible();
    for (const heading of ["Verified outcomes", "Case studies", "Open source", "Let's build something observable"]) {
      await expect(page.getByRole("heading", { level: 2, name: heading })).toBeVisible();
    }
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" })).toBeVisible();
    await expect(page.getByRole("contentinfo")).toContainText("glassbox");
    await expectAccessible(page);
  });

  test("every internal link on the content pages leads somewhere", async ({ page, request }) => {
    const hrefs = new Set<string>();
    for (const path of contentPages) {
      await page.goto(path);
      const found = await page
        .locator("a[href^='/']")
        .evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""));
      expect(found.length, path).toBeGreaterThan(0);
      for (const href of found) hrefs.add(href);
    }
    for (const href of hrefs) {
      expect((await request.get(href)).status(), href).toBeLessThan(400);
    }
  });

  test("the skip link moves keyboard focus to the main content", async ({ page }) => {
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/#main$/);
    await expect(page.locator("main#main")).toBeFocused();
  });

  test("fits a 320 px wide screen without horizontal scrolling", async ({ page }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    for (const path of contentPages) {
      await page.goto(path);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto("/");
    await expectAccessible(page);
  });

  test("follows the system colour scheme", async ({ page }) => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto("/");
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await background();
    expect(light).toBe("rgb(255, 255, 255)");
    expect(dark).not.toBe(light);
    await expectAccessible(page, { colorScheme: "dark" }); // contrast holds in the dark theme too
  });
});

test("an unknown address shows the 404 page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page).toHaveTitle(/Page not found/);
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Software you can see running" })).toBeVisible();
  await expectAccessible(page);
});

// Console errors come from scripts, so the no-js project leaves this one out (playwright.config.ts).
test("pages load without console errors or CSP violations", { tag: "@scripts" }, async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  for (const path of contentPages) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  await page.goto("/missing-page");
  await page.waitForLoadState("networkidle");
  // The 404 document itself is logged by Chromium as a failed resource load; nothing else may be.
  expect(errors.filter((error) => !error.includes("404"))).toEqual([]);
});
