import type { Kysely } from "kysely";
import type { Database } from "../models/database.ts";
import { AppError } from "../models/errors.ts";
import { createJobRepository } from "../models/job-repository.ts";
import { outgoingMailSchema, type MailboxEntry, type MailDelivery, type OutgoingMail } from "../models/mail.ts";
import { createMailboxRepository } from "../models/mailbox-repository.ts";
import { siteContent } from "../models/site-content.ts";
import type { User } from "../models/user.ts";

/** The mails the application sends. */
export const mails = {
  welcome: (user: User): OutgoingMail => ({
    to: user.email,
    subject: `Welcome to ${siteContent.name}, ${user.username}`,
    text: `Hello ${user.username},\n\nyour ${siteContent.name} account is ready. Sign in with ${user.email}.\n`,
  }),
  passwordChanged: (user: User): OutgoingMail => ({
    to: user.email,
    subject: `Your ${siteContent.name} password was changed`,
    text: `Hello ${user.username},\n\nthe password of your ${siteContent.name} account was just changed, and every other session was signed out.\nIf this was not you, reset your password and contact an administrator.\n`,
  }),
};

/**
 * Enqueues mail as a `mail.send` job in the caller's transaction: a request never waits for SMTP,
 * and the mail exists only if what it announces was committed.
 */
export function createMailOutbox(settings: { maxAttempts: number }) {
  return {
    enqueue: (db: Kysely<Database>, mail: OutgoingMail): Promise<void> => createJobRepository(db).add("mail.send", mail, settings),
  };
}
export type MailOutbox = ReturnType<typeof createMailOutbox>;

/** Delivery (the `mail.send` task) and the development mailbox page. */
export function createMailService({ db, delivery, from }: { db: Kysely<Database>; delivery: MailDelivery; from: string }) {
  const mailbox = createMailboxRepository(db);
  return {
    /** Parses a job's payload and hands it on; throws (so the job is retried) when it cannot be delivered. */
    async deliver(payload: unknown): Promise<void> {
      const mail = outgoingMailSchema.parse(payload);
      switch (delivery.kind) {
        case "smtp":
          return delivery.transport.send(mail);
        case "mailbox":
          return mailbox.keep(mail, from);
        case "unconfigured":
          // Not a catalogue error: no request sees it, the job's last error on /admin/jobs does.
          throw new Error("Mail cannot be delivered: SMTP_URL is not set");
      }
    },

    /** The newest kept mails; `mail:no_mailbox` (404) when mail is not kept here (production, or SMTP_URL set). */
    async newestInMailbox(): Promise<MailboxEntry[]> {
      if (delivery.kind !== "mailbox") throw new AppError("mail:no_mailbox");
      return mailbox.newest(50);
    },
  };
}
export type MailService = ReturnType<typeof createMailService>;
