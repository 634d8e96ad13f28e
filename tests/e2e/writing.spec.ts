import { expect, type Page } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";
import { test } from "./members.ts";
import { header, newDevice, unique } from "./support.ts";

/** Writing: the admin publishes through the form; a visitor finds the post by a word of its body and reads it. */

/** A word no other post has: letters only, so the English stemmer keeps it whole. */
const uniqueWord = () => `quokka${unique().replace(/[^a-z]/g, "")}`;

async function publish(page: Page, post: { title: string; slug?: string; body: string }): Promise<void> {
  await page.goto("/writing");
  await page.getByRole("link", { name: "Write a post" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Write a post" })).toBeVisible();
  await page.getByLabel("Title").fill(post.title);
  if (post.slug) await page.getByLabel("Slug").fill(post.slug);
  await page.getByLabel("Text").fill(post.body);
  await page.getByRole("button", { name: "Publish" }).click();
}

test("the admin writes a post; a visitor finds it by a word from its body and opens it", async ({
  page,
  browser,
  members,
}) => {
  // Two browsers and three accessibility checks (each a second page without JavaScript).
  test.slow();
  const word = uniqueWord();
  const title = `Field notes ${unique()}`;
  await members.signIn(page, "writer", { role: "admin" });
  await page.goto("/");
  await header(page).getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Writing" }).click();
  await publish(page, {
    title,
    body: `A first paragraph about nothing much.\n\nThe ${word} came out at dusk <b>and</b> stayed.`,
  });
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("The post is saved.");
  const postUrl = page.url().replace(/\?.*$/, "");

  const visitor = await newDevice(browser);
  try {
    await visitor.page.goto("/writing");
    await expect(visitor.page.getByRole("heading", { level: 1, name: "Writing" })).toBeVisible();
    await expectAccessible(visitor.page);
    await visitor.page.getByRole("searchbox", { name: "Search the writing" }).fill(word);
    await visitor.page.getByRole("button", { name: "Search" }).click();
    await expect(visitor.page).toHaveURL(new RegExp(`/writing\\?q=${word}$`));
    const results = visitor.page.getByRole("region", { name: "Search results" });
    await expect(results.getByRole("listitem")).toHaveCount(1);
    await expect(results.locator("mark")).toHaveText([word]);
    // The post's markup never becomes markup (ts_headline leaves tag-like text out of snippets).
    await expect(results).toContainText("came out at dusk");
    await expect(results.locator("b")).toHaveCount(0);
    await expectAccessible(visitor.page);

    await results.getByRole("link", { name: title }).click();
    await expect(visitor.page).toHaveURL(postUrl);
    await expect(visitor.page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(visitor.page.getByRole("article").locator("p.post__paragraph")).toHaveText([
      "A first paragraph about nothing much.",
      `The ${word} came out at dusk <b>and</b> stayed.`,
    ]);
    await expect(visitor.page.getByRole("link", { name: "Edit this post" })).toHaveCount(0);
    await expectAccessible(visitor.page);

    await visitor.page.goto(`/writing?q=${uniqueWord()}`);
    await expect(visitor.page.getByRole("status")).toContainText("No posts match");
  } finally {
    await visitor.context.close();
  }
});

test("a taken slug is reported next to the slug field, and what was typed stays", async ({ page, members }) => {
  const slug = `taken-${unique()}`;
  await members.signIn(page, "writer", { role: "admin" });
  await publish(page, { title: "The first one", slug, body: "First." });
  await expect(page).toHaveURL(new RegExp(`/writing/${slug}\\?done=saved$`));

  await publish(page, { title: "The second one", slug, body: "Second, kept." });
  const slugField = page.getByLabel("Slug");
  await expect(slugField).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(".field__error")).toHaveText(["Another post already uses this slug."]);
  await expect(slugField).toHaveValue(slug);
  await expect(page.getByLabel("Title")).toHaveValue("The second one");
  await expect(page.getByLabel("Text")).toHaveValue("Second, kept.");
  await expectAccessible(page);
});

test("guests are sent to sign in before the writing form", async ({ page }) => {
  const response = await page.goto("/writing/new");
  await expect(page).toHaveURL(/\/login\?next=%2Fwriting%2Fnew$/);
  expect(response?.status()).toBe(200);
});
