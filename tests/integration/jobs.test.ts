import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RECOVERY } from "#server/jobs/job-runner.ts";
import { createBrowser, newAccount, nextIp, type Browser } from "../support/browser.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServer, startWorker, type RunningServer, type RunningWorker } from "../support/server.ts";
import { allMailTo, followConfirmation, linkIn, registerAndConfirm } from "../support/mail.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp.ts";

/**
 * Background jobs across real processes: the web process (DATABASE_URL, so it only enqueues), one or
 * two `npm run worker` processes (build/worker.js), a real PostgreSQL and a real SMTP server on loopback.
 */
const ADMIN = newAccount("jobsadmin");
const MAX_ATTEMPTS = 2;

let database: TestDatabase;
let smtp: TestSmtpServer;
let web: RunningServer;
let admin: Browser;
const workers: RunningWorker[] = [];

const env = () => ({
  DATABASE_URL: database.url,
  SESSION_SECRET: randomBytes(64).toString("base64url"),
  SMTP_URL: smtp.url,
  MAIL_FROM: "glassbox <no-reply@glassbox.test>",
  MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  ADMIN_EMAILS: ADMIN.email,
  TRUST_PROXY: "loopback",
});
const worker = async () => {
  const started = await startWorker(env());
  workers.push(started);
  return started;
};
/** A running worker: the last one started, or a new one. */
const liveWorker = async () =>
  workers.findLast((one) => one.process.exitCode === null && one.process.signalCode === null) ?? worker();

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpServer();
  web = await startServer(env());
  admin = createBrowser(web.url, { ip: nextIp() });
  // No worker runs yet: the welcome mail waits in the queue, where its link is read.
  await registerAndConfirm(database.db, admin, ADMIN);
});
afterAll(async () => {
  await Promise.all(workers.map((one) => one.stop("SIGKILL")));
  await web?.stop();
  await smtp?.close();
  await database?.drop();
});

interface MailJob {
  id: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_by: string | null;
  run_at: Date;
}
/** The mail.send job addressed to `email`, if it is still queued (completed jobs are deleted). */
const mailJob = async (email: string): Promise<MailJob | undefined> =>
  (
    await sql<MailJob>`select id, attempts, max_attempts, last_error, locked_by, run_at from graphile_worker._private_jobs where payload->>'to' = ${email}`.execute(
      database.db,
    )
  ).rows[0];
const mailsTo = (email: string) => smtp.received.filter((mail) => mail.to.includes(email));
const register = async (prefix: string) => {
  const account = newAccount(prefix);
  expect((await createBrowser(web.url, { ip: nextIp() }).post("/register", account)).status).toBe(303);
  return account;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("the web process only enqueues; `npm run worker` delivers the welcome mail over SMTP, and stops gracefully", async () => {
  const account = await register("welcome");
  await sleep(1500);
  expect(await mailJob(account.email)).toMatchObject({ attempts: 0, locked_by: null }); // nobody ran it yet
  expect(web.logs().some((line) => line.msg === "job worker started")).toBe(false);

  const running = await worker();
  await expect.poll(() => mailsTo(account.email).length, { timeout: 15_000 }).toBe(1);
  const [mail] = mailsTo(account.email);
  expect(mail?.subject).toBe(`Welcome to glassbox, ${account.username}`);
  expect(mail?.raw).toMatch(/^From: glassbox <no-reply@glassbox\.test>/m);
  expect(mail?.raw).toContain(`Sign in with ${account.email}`);
  await expect.poll(() => mailJob(account.email)).toBeUndefined(); // completed jobs leave the queue
  // The admin's welcome mail, queued before any worker ran, went out too.
  await expect.poll(() => mailsTo(ADMIN.email).length).toBe(1);

  expect(await running.stop("SIGTERM")).toBe(0);
  expect(running.logs().some((line) => line.msg === "worker stopped")).toBe(true);
});

it("runs the purge tasks the crontab schedules (a purge.sessions job deletes the expired session)", async () => {
  await liveWorker();
  const expired = `expired-${randomUUID()}`;
  const live = `live-${randomUUID()}`;
  const hour = 3600_000;
  await database.db
    .insertInto("sessions")
    .values([
      {
        id: expired,
        user_id: null,
        data: "{}",
        expires_at: new Date(Date.now() - 1000),
        absolute_expires_at: new Date(Date.now() + hour),
      },
      {
        id: live,
        user_id: null,
        data: "{}",
        expires_at: new Date(Date.now() + hour),
        absolute_expires_at: new Date(Date.now() + hour),
      },
    ])
    .execute();
  await sql`select graphile_worker.add_job('purge.sessions')`.execute(database.db);
  const ids = async () =>
    (await database.db.selectFrom("sessions").select("id").where("id", "in", [expired, live]).execute()).map(
      (row) => row.id,
    );
  await expect.poll(ids, { timeout: 10_000 }).toEqual([live]);
});

it(
  "a worker killed mid-job (SIGKILL inside the SMTP conversation) leads to a retry by another worker, not a lost mail",
  { timeout: 90_000 },
  async () => {
    smtp.mode = "hold";
    const doomed = await liveWorker();
    const account = await register("crash");
    await expect.poll(() => smtp.held(), { timeout: 10_000 }).toBe(1);
    const locked = await mailJob(account.email);
    expect(locked).toMatchObject({ attempts: 1 });
    expect(locked?.locked_by).toBeTruthy();

    // While its worker lives, another worker's sweeps leave the job alone, however long it runs.
    const survivor = await worker();
    await sleep((RECOVERY.graceSecs + RECOVERY.sweepSecs + 2) * 1000);
    expect(await mailJob(account.email)).toMatchObject({ attempts: 1, locked_by: locked?.locked_by });
    expect(smtp.attempts.filter((attempt) => attempt.to === account.email)).toHaveLength(1);

    smtp.mode = "accept";
    await doomed.stop("SIGKILL");
    const killedAt = Date.now();
    await expect
      .poll(() => mailsTo(account.email).length, { timeout: (RECOVERY.graceSecs + RECOVERY.sweepSecs + 10) * 1000 })
      .toBe(1);
    expect(Date.now() - killedAt).toBeLessThan((RECOVERY.sweepSecs + 5) * 1000); // locked long ago: the next sweep frees it
    expect(mailsTo(account.email)[0]?.subject).toBe(`Welcome to glassbox, ${account.username}`);
    expect(survivor.logs().some((line) => line.msg === "unlocked the jobs of crashed workers for a retry")).toBe(true);
    await expect.poll(() => mailJob(account.email)).toBeUndefined();
  },
);

it(
  "a worker whose liveness connection is cut stops that runner, starts a fresh one and keeps delivering",
  { timeout: 60_000 },
  async () => {
    smtp.mode = "accept";
    const running = await liveWorker();
    const started = () => running.logs().filter((line) => line.msg === "job worker started").length;
    const before = started();
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'glassbox worker liveness'`.execute(
      database.db,
    );
    await expect
      .poll(() => running.logs().some((line) => line.msg?.startsWith("worker liveness connection lost")), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(started, { timeout: 20_000 }).toBe(before + 1);
    expect(running.process.exitCode).toBeNull();
    const account = await register("again");
    await expect.poll(() => mailsTo(account.email).length, { timeout: 15_000 }).toBe(1);
  },
);

it(
  "SMTP refusing: the job retries with exponential backoff, then shows as failed on /admin/jobs after its last attempt",
  { timeout: 60_000 },
  async () => {
    smtp.mode = "refuse";
    await liveWorker();
    const account = await register("refused");
    // attempts counts a try from the moment a worker takes the job; the failure is recorded when it ends.
    const settled = async () => {
      const job = await mailJob(account.email);
      return {
        attempts: job?.attempts,
        running: Boolean(job?.locked_by),
        failedWith550: /550/.test(job?.last_error ?? ""),
      };
    };
    await expect.poll(settled, { timeout: 10_000 }).toEqual({ attempts: 1, running: false, failedWith550: true });
    const first = await mailJob(account.email);

    const page = async () => {
      const response = await admin.get("/admin/jobs");
      expect(response.status).toBe(200);
      return response.text();
    };
    const row = (html: string) =>
      new RegExp(`<tr data-job-state="(\\w+)">(?:(?!</tr>).)*#<!-- -->${first?.id}(?:(?!</tr>).)*</tr>`, "s").exec(
        html,
      );
    const retrying = row(await page());
    expect(retrying?.[1]).toBe("retrying");
    expect(retrying?.[0]).toContain(`1<!-- --> of <!-- -->${MAX_ATTEMPTS}`);
    expect(retrying?.[0]).toContain("Mailbox unavailable");

    await expect
      .poll(settled, { timeout: 15_000 })
      .toEqual({ attempts: MAX_ATTEMPTS, running: false, failedWith550: true });
    const triesTo = (email: string) => smtp.attempts.filter((attempt) => attempt.to === email);
    const tries = triesTo(account.email);
    expect(tries).toHaveLength(MAX_ATTEMPTS);
    // graphile-worker waits e^attempts seconds after a failure: e^1 ≈ 2.7 s before the second attempt.
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThan(Math.E * 1000 - 500);
    await sleep(Math.exp(MAX_ATTEMPTS) * 1000 + 1000);
    expect(triesTo(account.email)).toHaveLength(MAX_ATTEMPTS); // no attempt after the last
    const failed = row(await page());
    expect(failed?.[1]).toBe("failed");
    expect(failed?.[0]).toContain(`${MAX_ATTEMPTS}<!-- --> of <!-- -->${MAX_ATTEMPTS}`);
    expect(mailsTo(account.email)).toHaveLength(0);
  },
);

it("/admin/jobs is for admins: guests go to sign in, members get 403", async () => {
  const guest = createBrowser(web.url, { ip: nextIp() });
  const answer = await guest.get("/admin/jobs");
  expect(answer.status).toBe(302);
  expect(answer.headers.get("location")).toBe("/login?next=%2Fadmin%2Fjobs");
  const member = newAccount("member");
  expect((await guest.post("/register", member)).status).toBe(303);
  // A worker may deliver the welcome mail meanwhile: its link is read from the queue or the SMTP server.
  let link: string | undefined;
  await expect
    .poll(
      async () =>
        (link = [...(await allMailTo(database.db, member.email)), ...mailsTo(member.email)]
          .map((mail) => mail.text)
          .find((text) => text.includes("/verify-email?"))),
      { timeout: 15_000 },
    )
    .toBeDefined();
  await followConfirmation(guest, linkIn({ subject: "", text: link ?? "" }, "/verify-email"));
  expect((await guest.get("/admin/jobs")).status).toBe(403);
});

it("keeps no development mailbox when SMTP_URL is set: /dev/mailbox is 404", async () => {
  expect((await createBrowser(web.url).get("/dev/mailbox")).status).toBe(404);
});

it(
  "in production without SMTP_URL: a warning at start, no mailbox, and mail jobs fail visibly (kept for a retry) instead of vanishing",
  { timeout: 60_000 },
  async () => {
    const own = await createTestDatabase();
    const production = await startServer({
      ...env(),
      DATABASE_URL: own.url,
      NODE_ENV: "production",
      SMTP_URL: undefined,
      WORKER: "inline",
    });
    try {
      expect(
        production.logs().some((line) => line.level === 40 && String(line.msg).startsWith("SMTP_URL is not set")),
      ).toBe(true);
      expect((await createBrowser(production.url).get("/dev/mailbox")).status).toBe(404);
      const account = newAccount("nosmtp");
      expect((await createBrowser(production.url, { ip: nextIp() }).post("/register", account)).status).toBe(303);
      const failure = async () =>
        (
          await sql<{
            last_error: string | null;
          }>`select last_error from graphile_worker._private_jobs where payload->>'to' = ${account.email}`.execute(
            own.db,
          )
        ).rows[0]?.last_error;
      await expect.poll(failure, { timeout: 10_000 }).toBe("Mail cannot be delivered: SMTP_URL is not set");
    } finally {
      await production.stop();
      await own.drop();
    }
  },
);
