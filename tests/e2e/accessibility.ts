import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

/**
 * No serious or critical axe-core violations on the page as it is now. axe needs scripts, so for
 * the no-JS project the document the page shows (its server-rendered HTML: a signed-in page, a
 * form with its errors) is served to a scripted copy whose own scripts are blocked.
 */
export async function expectAccessible(page: Page, options: { colorScheme?: "light" | "dark" } = {}): Promise<void> {
  const javaScriptEnabled = test.info().project.use.javaScriptEnabled !== false;
  const target = javaScriptEnabled ? page : await serverRenderedCopy(page, options.colorScheme);
  try {
    const { violations } = await new AxeBuilder({ page: target }).analyze();
    const blocking = violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map(
        (violation) =>
          `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
      );
    expect(blocking).toEqual([]);
  } finally {
    if (target !== page) await target.context().close();
  }
}

async function serverRenderedCopy(page: Page, colorScheme: "light" | "dark" = "light"): Promise<Page> {
  const browser = page.context().browser();
  if (!browser) throw new Error("no browser to open a scripted copy in");
  const context = await browser.newContext({ javaScriptEnabled: true, viewport: page.viewportSize(), colorScheme });
  const copy = await context.newPage();
  const [url, html, title] = [page.url(), await page.content(), await page.title()];
  await copy.route(/\.(m?js)(\?|$)/, (route) => route.abort());
  // A request never carries the fragment (`/admin?…#action-log`): match the document without it.
  const document = url.replace(/#.*$/, "");
  await copy.route(
    (target) => target.href === document,
    (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }),
  );
  await copy.goto(url);
  await expect(copy).toHaveTitle(title);
  return copy;
}
