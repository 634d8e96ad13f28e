import { sql, type Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "#app/models/database.server.ts";

/** Whatever sends a page's requests with its cookies: tests/support/browser.ts, or a test's own client. */
export interface FormClient {
  get(path: string): Promise<Response>;
  post(path: string, fields: Record<string, string>): Promise<Response>;
}

/**
 * The mail a test's account was sent, read where the app left it: still queued as a `mail.send`
 * job (no worker runs on DATABASE_URL unless WORKER=inline), or delivered to the development
 * mailbox. Tests follow the links in it as a person would.
 */
export interface SentMail {
  readonly subject: string;
  readonly text: string;
}

async function mailsTo(db: Kysely<Database>, to: string): Promise<SentMail[]> {
  // graphile-worker's public `jobs` view has no payload: its own table has.
  const queued = await sql<{ subject: string; text: string }>`
    select jobs.payload->>'subject' as subject, jobs.payload->>'text' as text
    from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
    where tasks.identifier = 'mail.send' and jobs.payload->>'to' = ${to} order by jobs.id desc`.execute(db);
  const delivered = await db
    .selectFrom("dev_mailbox")
    .select(["subject", "body as text"])
    .where("recipient", "=", to)
    .orderBy("id", "desc")
    .execute();
  return [...queued.rows, ...delivered];
}

/** The newest mail to `to` whose subject matches, waiting for it (the worker may still be on it). */
export async function mailTo(db: Kysely<Database>, to: string, subject: RegExp, timeoutMs = 10_000): Promise<SentMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mailsTo(db, to)).find((mail) => subject.test(mail.subject));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} about ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every mail to `to` so far (newest first). */
export const allMailTo = mailsTo;

/** The path and query of the link to `path` in the mail (the token in it), as a browser would follow it. */
export function linkIn(mail: SentMail, path: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\?[^\\s]+)`).exec(
    mail.text,
  );
  if (!match?.[1]) throw new Error(`no ${path} link in the mail "${mail.subject}":\n${mail.text}`);
  return match[1];
}

export const tokenOf = (link: string): string => new URL(link, "http://x").searchParams.get("token") ?? "";

/**
 * Finishes a sign-up the way its owner does: the welcome mail's link, then its Confirm button.
 * The browser is then signed in (303 to the registration's `next`); returns that response.
 */
export async function confirmRegistration(db: Kysely<Database>, browser: FormClient, email: string): Promise<Response> {
  return followConfirmation(browser, linkIn(await mailTo(db, email, /^Welcome to/), "/verify-email"));
}

/** Opens a verification link (`/verify-email?token=…`) and presses its Confirm button; expects the 303. */
export async function followConfirmation(browser: FormClient, link: string): Promise<Response> {
  expect((await browser.get(link)).status).toBe(200);
  const url = new URL(link, "http://x");
  const response = await browser.post("/verify-email", {
    intent: "confirm",
    token: url.searchParams.get("token") ?? "",
    next: url.searchParams.get("next") ?? "",
  });
  expect(response.status, "following the confirmation link").toBe(303);
  return response;
}

/** Registers and confirms the account on `browser` (303 expected at each step); the browser ends signed in. */
export async function registerAndConfirm(
  db: Kysely<Database>,
  browser: FormClient,
  fields: Record<string, string> & { email: string },
): Promise<Response> {
  const registered = await browser.post("/register", fields);
  expect(registered.status, `register ${fields.email}`).toBe(303);
  expect(registered.headers.get("location")).toMatch(/^\/register\/check-email/);
  return confirmRegistration(db, browser, fields.email);
}
