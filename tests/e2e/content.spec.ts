import { expect, test, type Page } from "@playwright/test";
import { labHref } from "../../app/models/content.ts";
import { featuredProjects } from "../../app/models/open-source.ts";
import { expectAccessible } from "./accessibility.ts";
import { home, openSource, resume, site, work } from "./content.ts";

const mainNav = (page: Page) => page.getByRole("banner").getByRole("navigation", { name: "Main" });
const navLabel = (href: string) => {
  const item = site.navigation.find((link) => link.href === href);
  if (!item) throw new Error(`content/site.json has no navigation link to ${href}`);
  return item.label;
};

test("navigation leads from home to the work index, a case study, and its lab section", async ({ page }) => {
  const study = work.studies[0];
  if (!study) throw new Error("content/work.json has no case study");
  await page.goto("/");
  await expect(mainNav(page).getByRole("link", { name: navLabel("/") })).toHaveAttribute("aria-current", "page");

  await mainNav(page).getByRole("link", { name: navLabel("/work") }).click();
  await expect(page).toHaveURL(/\/work$/);
  await expect(page).toHaveTitle(work.title);
  await expect(page.getByRole("heading", { level: 1, name: work.heading })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: navLabel("/work") })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page);

  await page.getByRole("main").getByRole("link", { name: study.title }).click();
  await expect(page).toHaveURL(new RegExp(`/work/${study.slug}$`));
  await expect(page.getByRole("heading", { level: 1, name: study.title })).toBeVisible();
  await expect(page.getByRole("main").getByRole("link", { name: study.lab.label }).first()).toHaveAttribute("href", labHref(study.lab.section));

  await page.getByRole("link", { name: work.labels.allStudies }).click();
  await expect(page).toHaveURL(/\/work$/);
});

test("the home page links each case study to its page and each outcome to its lab section", async ({ page }) => {
  await page.goto("/");
  const main = page.getByRole("main");
  for (const study of work.studies) {
    await expect(main.getByRole("heading", { level: 3, name: study.title }).getByRole("link")).toHaveAttribute("href", `/work/${study.slug}`);
  }
  for (const outcome of home.outcomes.items) {
    const card = main.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: outcome.claim }) });
    await expect(card.getByRole("link", { name: outcome.demo.label })).toHaveAttribute("href", labHref(outcome.demo.section));
  }
  for (const project of featuredProjects(openSource)) {
    await expect(main.getByRole("link", { name: project.name, exact: true })).toHaveAttribute("href", project.href);
  }
});

for (const study of work.studies) {
  test(`case study ${study.slug}: every part of it, its lab link, accessible`, async ({ page }) => {
    const response = await page.goto(`/work/${study.slug}`);
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle(`${study.title} — ${site.name}`);
    await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", study.summary);
    const article = page.getByRole("article");
    await expect(article.getByRole("heading", { level: 1, name: study.title })).toBeVisible();
    await expect(article).toContainText(study.summary);
    for (const heading of [work.labels.challenge, work.labels.implementation, work.labels.outcomes, work.labels.stack]) {
      await expect(article.getByRole("heading", { level: 2, name: heading })).toBeVisible();
    }
    for (const line of [...study.challenge, ...study.implementation, ...study.outcomes]) {
      await expect(article.getByText(line, { exact: true })).toBeVisible();
    }
    await expect(article.getByRole("list", { name: work.labels.stack }).getByRole("listitem")).toHaveText(study.stack);
    await expect(article.getByRole("link", { name: study.lab.label }).first()).toHaveAttribute("href", labHref(study.lab.section));
    await expect(mainNav(page).getByRole("link", { name: navLabel("/work") })).toHaveAttribute("aria-current", "page");
    await expectAccessible(page);
  });
}

test("an unknown or malformed case study is the 404 page", async ({ page }) => {
  for (const path of ["/work/no-such-study", "/work/Not%20A%20Slug", `/work/${"a".repeat(200)}`]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  }
  await expectAccessible(page);
});

test("the open-source page lists every project with its link, language and topics", async ({ page }) => {
  await page.goto("/");
  await mainNav(page).getByRole("link", { name: navLabel("/open-source") }).click();
  await expect(page).toHaveURL(/\/open-source$/);
  await expect(page).toHaveTitle(openSource.title);
  await expect(page.getByRole("heading", { level: 1, name: openSource.heading })).toBeVisible();
  const main = page.getByRole("main");
  for (const group of openSource.groups) {
    await expect(main.getByRole("heading", { level: 2, name: group.heading })).toBeVisible();
    for (const project of group.projects) {
      const card = main.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: project.name, exact: true }) });
      await expect(card.getByRole("link", { name: project.name, exact: true })).toHaveAttribute("href", project.href);
      await expect(card).toContainText(project.description);
      if (project.language) await expect(card).toContainText(project.language);
      if (project.tags.length) await expect(card.getByRole("list", { name: "Topics" }).getByRole("listitem")).toHaveText(project.tags);
    }
  }
  await expect(mainNav(page).getByRole("link", { name: navLabel("/open-source") })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page);
});

test("/resume.txt is plain text from content/resume.json, wrapped for a terminal", async ({ request, baseURL }) => {
  const response = await request.get("/resume.txt");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("text/plain; charset=utf-8");
  const text = await response.text();
  const lines = text.split("\n");
  expect(lines[0]).toBe(resume.name);
  for (const skill of resume.skills) expect(lines.some((line) => line.startsWith(`${skill.area}: `)), skill.area).toBe(true);
  for (const job of resume.experience) expect(text).toContain(`${job.role}, ${job.organisation} (${job.period})`);
  for (const study of work.studies) expect(lines).toContain(`  ${baseURL}/work/${study.slug}`);
  for (const project of featuredProjects(openSource)) expect(lines).toContain(`  ${project.href}`);
  // At most 78 columns, unless a single word (a URL) is longer on its own.
  expect(lines.filter((line) => line.length > 78 && line.trim().includes(" "))).toEqual([]);
});

test("the footer's resume link opens the text file", async ({ page }) => {
  await page.goto("/work");
  await page.getByRole("contentinfo").locator('a[href="/resume.txt"]').click();
  await expect(page).toHaveURL(/\/resume\.txt$/);
  await expect(page.locator("body")).toContainText(resume.name);
});
