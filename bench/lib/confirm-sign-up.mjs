// A sign-up finished the way its owner finishes it: the welcome mail's link, then its Confirm button
// (decision 0018: an account signs in, and may post, only once its address is proven). The benchmark's
// glassbox runs in production without SMTP_URL, so the mail waits in its job queue: it is read there,
// from the embedded PostgreSQL the benchmark's glassbox started in its data directory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { request, sleep } from "./common.mjs";

/** The embedded PostgreSQL of a glassbox started by `startGlassbox` (its credentials and its port). */
function databaseUrl(dataDir) {
  const { user, password } = JSON.parse(readFileSync(join(dataDir, "postgres-credentials.json"), "utf8"));
  const port = readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8")
    .split("\n")[3]
    ?.trim();
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/glassbox`;
}

/** The `/verify-email?token=…` link of the newest welcome mail to `email`, waiting for it to be queued. */
async function confirmationLink(client, email) {
  for (const deadline = Date.now() + 10_000; ;) {
    const { rows } = await client.query(
      `select jobs.payload->>'text' as text from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
       where tasks.identifier = 'mail.send' and jobs.payload->>'to' = $1 and jobs.payload->>'subject' like 'Welcome to%' order by jobs.id desc limit 1`,
      [email],
    );
    const link = /https?:\/\/[^\s/]+(\/verify-email\?[^\s]+)/.exec(rows[0]?.text ?? "")?.[1];
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no welcome mail with a confirmation link to ${email}`);
    await sleep(100);
  }
}

/** Follows the confirmation of `email`'s sign-up as `cookie` (the browser that signed up); returns the session cookie it gets. */
export async function confirmSignUp(glassbox, email, cookie) {
  const client = new pg.Client({ connectionString: databaseUrl(glassbox.dataDir) });
  await client.connect();
  try {
    const link = new URL(await confirmationLink(client, email), glassbox.origin);
    const page = await request(glassbox.origin, { path: link.pathname + link.search, headers: { Cookie: cookie } });
    if (page.status !== 200) throw new Error(`the confirmation page for ${email} answered ${page.status}`);
    const form = new URLSearchParams({
      intent: "confirm",
      token: link.searchParams.get("token") ?? "",
      next: link.searchParams.get("next") ?? "",
    });
    const confirmed = await request(glassbox.origin, {
      method: "POST",
      path: "/verify-email",
      headers: { Origin: glassbox.origin, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const session = [confirmed.headers["set-cookie"] ?? []]
      .flat()
      .map((line) => line.split(";")[0])
      .find((pair) => /^(__Host-)?glassbox_session=/.test(pair));
    if (confirmed.status !== 303 || !session)
      throw new Error(
        `confirming ${email} answered ${confirmed.status} without a session cookie: ${confirmed.body.slice(0, 300)}`,
      );
    return session;
  } finally {
    await client.end();
  }
}
