import { expect, test, type Page } from "@playwright/test";
import { labHref } from "#app/models/content.ts";
import { featuredProjects } from "#app/models/open-source.ts";
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

  await mainNav(page)
    .getByRole("link", { name: navLabel("/work") })
    .click();
  await expect(page).toHaveURL(/\/work$/);
  await expect(page).toHaveTitle(work.title);
  await expect(page.getByRole("heading", { level: 1, name: work.heading })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: navLabel("/work") })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page);

  await page.getByRole("main").getByRole("link", { name: study.title }).click();
  await expect(page).toHaveURL(new RegExp(`/work/${study.slug}$`));
  await expect(page.getByRole("heading", { level: 1, name: study.title })).toBeVisible();
  await expect(page.getByRole("main").getByRole("link", { name: study.lab.label }).first()).toHaveAttribute(
    "href",
    labHref(study.lab.section),
  );

  await page.getByRole("link", { name: work.labels.allStudies }).click();
  await expect(page).toHaveURL(/\/work$/);
});

test("the home page links each case study to its page and each outcome to its lab section", async ({ page }) => {
  await page.goto("/");
  const main = page.getByRole("main");
  for (const study of work.studies) {
    await expect(main.getByRole("heading", { level: 3, name: study.title }).getByRole("link")).toHaveAttribute(
      "href",
      `/work/${study.slug}`,
    );
  }
  for (const outcome of home.outcomes.items) {
    const card = main
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { level: 3, name: outcome.claim }) });
    await expect(card.getByRole("link", { name: outcome.demo.label })).toHaveAttribute(
      "href",
      labHref(outcome.demo.section),
    );
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
    for (const heading of [
      work.labels.challenge,
      work.labels.implementation,
      work.labels.outcomes,
      work.labels.stack,
    ]) {
      await expect(article.getByRole("heading", { level: 2, name: heading })).toBeVisible();
    }
    for (const line of [...study.challenge, ...study.implementation, ...study.outcomes]) {
      await expect(article.getByText(line, { exact: true })).toBeVisible();
    }
    await expect(article.getByRole("list", { name: work.labels.stack }).getByRole("listitem")).toHaveText(study.stack);
    await expect(article.getByRole("link", { name: study.lab.label }).first()).toHaveAttribute(
      "href",
      labHref(study.lab.section),
    );
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
  await mainNav(page)
    .getByRole("link", { name: navLabel("/open-source") })
    .click();
  await expect(page).toHaveURL(/\/open-source$/);
  await expect(page).toHaveTitle(openSource.title);
  await expect(page.getByRole("heading", { level: 1, name: openSource.heading })).toBeVisible();
  const main = page.getByRole("main");
  for (const group of openSource.groups) {
    await expect(main.getByRole("heading", { level: 2, name: group.heading })).toBeVisible();
    for (const project of group.projects) {
      const card = main
        .getByRole("listitem")
        .filter({ has: page.getByRole("heading", { level: 3, name: project.name, exact: true }) });
      await expect(card.getByRole("link", { name: project.name, exact: true })).toHaveAttribute("href", project.href);
      await expect(card).toContainText(project.description);
      if (project.language) await expect(card).toContainText(project.language);
      if (project.tags.length)
        await expect(card.getByRole("list", { name: "Topics" }).getByRole("listitem")).toHaveText(project.tags);
    }
  }
  await expect(mainNav(page).getByRole("link", { name: navLabel("/open-source") })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expectAccessible(page);
});

test("/resume.txt is plain text from content/resume.json, wrapped for a terminal", async ({ request, baseURL }) => {
  const response = await request.get("/resume.txt");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("text/plain; charset=utf-8");
  const text = await response.text();
  const lines = text.split("\n");
  expect(lines[0]).toBe(resume.name);
  for (const skill of resume.skills)
    expect(
      lines.some((line) => line.startsWith(`${skill.area}: `)),
      skill.area,
    ).toBe(true);
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

test("the home page has the seed's principles, the architecture audit with its lab and note links, and the stack", async ({
  page,
}) => {
  await page.goto("/");
  const main = page.getByRole("main");
  const principles = main.getByRole("region", { name: home.principles.heading });
  for (const item of home.principles.items) {
    await expect(principles.getByRole("heading", { level: 3, name: item.title })).toBeVisible();
    for (const point of item.points) await expect(principles.getByText(point, { exact: true })).toBeVisible();
  }
  const audit = main.getByRole("region", { name: home.audit.heading });
  for (const item of home.audit.items) {
    const card = audit.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: item.area }) });
    await expect(card).toContainText(item.how);
    for (const demo of item.demos)
      await expect(card.getByRole("link", { name: demo.label })).toHaveAttribute("href", labHref(demo.section));
    for (const note of item.notes)
      await expect(card.getByRole("link", { name: note.label })).toHaveAttribute("href", note.href);
  }
  const stack = main.getByRole("region", { name: home.stack.heading });
  for (const item of home.stack.items) await expect(stack.getByText(item.name, { exact: true })).toBeVisible();
  await expectAccessible(page);
});

test("engineering notes: the index from the footer, a decision page with its neighbours, case studies linking to theirs", async ({
  page,
}) => {
  await page.goto("/");
  await page.getByRole("contentinfo").getByRole("link", { name: "Engineering notes" }).click();
  await expect(page).toHaveURL(/\/notes$/);
  await expect(page.getByRole("heading", { level: 1, name: "Engineering notes" })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("link", { name: /^16\. / }).click();
  await expect(page).toHaveURL(/\/notes\/0016-abuse-limits$/);
  const article = page.getByRole("article");
  await expect(article.getByRole("heading", { level: 1 })).toHaveText(/Limits against one client/);
  await expect(article).toContainText("Context.");
  await expect(article.locator("code").first()).toBeVisible();
  await expect(page.locator('meta[property="og:type"]')).toHaveAttribute("content", "article");
  await expect(
    page.getByRole("navigation", { name: "More notes" }).getByRole("link", { name: /^← 15\. / }),
  ).toBeVisible();
  await expectAccessible(page);

  const study = work.studies.find((candidate) => candidate.notes.length > 0);
  if (!study?.notes[0]) throw new Error("no case study links to a note");
  await page.goto(`/work/${study.slug}`);
  await page.getByRole("region", { name: work.labels.notes }).getByRole("link", { name: study.notes[0].label }).click();
  await expect(page).toHaveURL(new RegExp(`${study.notes[0].href}$`));
  expect((await page.goto("/notes/9999-nothing"))?.status()).toBe(404);
});

test("every content page has a description and Open Graph tags", async ({ page }) => {
  for (const path of [
    "/",
    "/work",
    `/work/${work.studies[0]?.slug}`,
    "/open-source",
    "/writing",
    "/notes",
    "/lab",
    "/docs",
    "/chat",
  ]) {
    await page.goto(path);
    for (const selector of [
      'meta[name="description"]',
      'meta[property="og:title"]',
      'meta[property="og:description"]',
      'meta[property="og:type"]',
    ]) {
      await expect(page.locator(selector), `${path} ${selector}`).toHaveAttribute("content", /\S/);
    }
  }
});

test("robots.txt points to sitemap.xml, which lists the public pages on this origin and none of the private ones", async ({
  request,
  baseURL,
}) => {
  const robots = await request.get("/robots.txt");
  expect(robots.headers()["content-type"]).toMatch(/^text\/plain/);
  const robotsText = await robots.text();
  expect(robotsText).toContain("User-agent: *");
  expect(robotsText).toContain("Disallow: /account");
  expect(robotsText).toContain(`Sitemap: ${baseURL}/sitemap.xml`);

  const sitemap = await request.get("/sitemap.xml");
  expect(sitemap.status()).toBe(200);
  expect(sitemap.headers()["content-type"]).toMatch(/^application\/xml/);
  const xml = await sitemap.text();
  const locations = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]);
  for (const path of [
    "/",
    "/work",
    "/notes",
    "/notes/0016-abuse-limits",
    ...work.studies.map((study) => `/work/${study.slug}`),
  ]) {
    expect(locations).toContain(`${baseURL}${path}`);
  }
  expect(locations.some((location) => /\/(account|admin|login|api)\b/.test(location ?? ""))).toBe(false);
});
