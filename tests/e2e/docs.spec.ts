import { expect, test } from "@playwright/test";
import { expectAccessible } from "./accessibility.ts";

/** `/docs`: the API's documentation, rendered by the server from the OpenAPI document (with and without JavaScript). */
const endpoints = [
  "GET /api/v0/me",
  "GET /api/v0/chat/rooms",
  "GET /api/v0/chat/rooms/{room}/messages",
  "POST /api/v0/chat/rooms/{room}/messages",
  "GET /api/v0/action-logs",
  "GET /api/v0/action-logs/stream",
  "GET /api/v0/openapi.json",
];

test("is linked from the footer and lists every endpoint, its parameters, body, responses and error codes", async ({
  page,
}) => {
  await page.goto("/");
  await page.getByRole("contentinfo").getByRole("link", { name: "API docs" }).click();
  await expect(page).toHaveURL(/\/docs$/);
  await expect(page.getByRole("heading", { level: 1, name: "API documentation" })).toBeVisible();
  const contents = page.getByRole("navigation", { name: "Endpoints" });
  for (const endpoint of endpoints)
    await expect(contents.getByRole("link", { name: endpoint, exact: true })).toBeVisible();

  const post = page.locator("section.api-operation", {
    has: page.getByRole("heading", { name: "POST /api/v0/chat/rooms/{room}/messages" }),
  });
  await expect(post.getByRole("table", { name: "Parameters" }).getByRole("rowheader", { name: "room" })).toBeVisible();
  await expect(
    post.getByRole("table", { name: "Body fields" }).getByRole("row", { name: /body string, 1–1000 characters yes/ }),
  ).toBeVisible();
  const responses = post.getByRole("table", { name: "Responses" });
  await expect(responses.getByRole("row", { name: /^201 ChatMessage/ })).toBeVisible();
  await expect(responses.getByRole("row", { name: /^429 Problem chat:rate_limited/ })).toBeVisible();
  await expect(responses.getByRole("row", { name: /^422 Problem api:invalid_body/ })).toBeVisible();

  const list = page.locator("section.api-operation", {
    has: page.getByRole("heading", { name: "GET /api/v0/action-logs", exact: true }),
  });
  const parameters = list.getByRole("table", { name: "Parameters" });
  for (const name of ["before", "limit", "action", "actor", "resourceType", "resourceId", "from", "to"])
    await expect(parameters.getByRole("rowheader", { name, exact: true })).toBeVisible();

  // An error code links to its row in the codes table; a type links to its schema.
  await responses.getByRole("link", { name: "chat:rate_limited" }).click();
  await expect(page).toHaveURL(/#error-chat-rate_limited$/);
  await expect(
    page.getByRole("table", { name: "Codes" }).getByRole("row", { name: /chat:rate_limited 429 Too many messages/ }),
  ).toBeVisible();
  await responses.getByRole("link", { name: "ChatMessage" }).click();
  await expect(
    page.getByRole("table", { name: "ChatMessage fields" }).getByRole("rowheader", { name: "mine" }),
  ).toBeVisible();
});

test("has no serious accessibility violations", async ({ page }) => {
  // A long page of tables: axe takes a while on a busy machine.
  test.slow();
  await page.goto("/docs");
  await expectAccessible(page);
});

test("links to the OpenAPI document it is rendered from", async ({ page }) => {
  await page.goto("/docs");
  const [response] = await Promise.all([
    page.waitForResponse((candidate) => candidate.url().endsWith("/api/v0/openapi.json")),
    page.getByRole("link", { name: "/api/v0/openapi.json", exact: true }).click(),
  ]);
  expect(response.status()).toBe(200);
  const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
  expect(document.openapi).toBe("3.1.0");
  expect(Object.keys(document.paths)).toHaveLength(
    endpoints.map((endpoint) => endpoint.split(" ")[1]).filter((path, index, all) => all.indexOf(path) === index)
      .length,
  );
});

test("fits a 320 px wide screen without horizontal scrolling of the page", async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto("/docs");
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
  ).toBeLessThanOrEqual(0);
});
