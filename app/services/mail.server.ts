import type { Kysely } from "kysely";
import type { Database } from "#app/models/database.server.ts";
import { AppError } from "#app/models/errors.ts";
import { createJobRepository } from "#app/models/job-repository.server.ts";
import { outgoingMailSchema, type MailboxEntry, type MailDelivery, type OutgoingMail } from "#app/models/mail.ts";
import { createMailboxRepository } from "#app/models/mailbox-repository.server.ts";
import { siteContent } from "#app/models/site-content.ts";
import type { Email, User } from "#app/models/user.ts";

const site = siteContent.name;

/** An absolute link into the site for a mail: `origin` + path + query (empty values left out). */
export function linkTo(origin: string, path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(path, origin);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  return url.href;
}
const ignore = "If this was not you, ignore this mail: nothing changes.";

/**
 * The mails the application sends. Links are absolute (`origin` is PUBLIC_URL, or the address this
 * server listens on: never the request's Host header, which a stranger controls).
 */
export const mails = {
  /** A sign-up: the link finishes it (and signs in). */
  welcome: (user: User, link: string): OutgoingMail => ({
    to: user.email,
    subject: `Welcome to ${site}, ${user.username}`,
    text: `Hello ${user.username},\n\nconfirm your email address to finish creating your ${site} account:\n\n${link}\n\nThe link works once, for 24 hours. Sign in with ${user.email}.\n${ignore}\n`,
  }),
  /** Someone signed up with an address that already has an account: its owner hears of it, the stranger learns nothing. */
  alreadyRegistered: (owner: User, origin: string): OutgoingMail => ({
    to: owner.email,
    subject: `Someone tried to create a ${site} account with your address`,
    text: `Hello ${owner.username},\n\nsomeone just tried to create a new ${site} account with this email address. You already have one, so nothing was created.\n\nIf it was you: sign in at ${origin}/login, or choose a new password at ${origin}/forgot-password.\n${ignore}\n`,
  }),
  /** "Send the link again" for an address not proven yet. */
  verifyEmail: (user: User, link: string): OutgoingMail => ({
    to: user.email,
    subject: `Confirm your email address for ${site}`,
    text: `Hello ${user.username},\n\nconfirm that this is your address:\n\n${link}\n\nThe link works once, for 24 hours.\n${ignore}\n`,
  }),
  /** A new address for an account: the link moves the account to it. */
  confirmNewEmail: (user: User, to: string, link: string): OutgoingMail => ({
    to,
    subject: `Confirm your new email address for ${site}`,
    text: `Hello ${user.username},\n\nyou asked to use this address for your ${site} account. Confirm it (signed in as ${user.username}):\n\n${link}\n\nThe link works once, for 24 hours; until then your account keeps its old address.\n${ignore}\n`,
  }),
  /** Someone asked to move another account to an address that already has one. */
  addressInUse: (owner: User, origin: string): OutgoingMail => ({
    to: owner.email,
    subject: `Someone tried to use your address for another ${site} account`,
    text: `Hello ${owner.username},\n\nsomeone signed in to another ${site} account asked to change its email address to this one. It already belongs to your account, so nothing changed.\n\nYour account: ${origin}/account\n${ignore}\n`,
  }),
  emailChanged: (user: User, from: string): OutgoingMail => ({
    to: from,
    subject: `Your ${site} email address was changed`,
    text: `Hello ${user.username},\n\nyour ${site} account now uses ${user.email} instead of this address.\nIf this was not you, contact an administrator at once.\n`,
  }),
  passwordReset: (user: User, link: string): OutgoingMail => ({
    to: user.email,
    subject: `Choose a new ${site} password`,
    text: `Hello ${user.username},\n\nsomeone (we hope you) asked to reset the password of your ${site} account. Choose a new one here:\n\n${link}\n\nThe link works once, for 30 minutes. Choosing a new password signs you out everywhere.\nIf you did not ask, ignore this mail: your password stays as it is.\n`,
  }),
  passwordChanged: (user: User, origin: string): OutgoingMail => ({
    to: user.email,
    subject: `Your ${site} password was changed`,
    text: `Hello ${user.username},\n\nthe password of your ${site} account was just changed, and every other session was signed out.\nIf this was not you, reset your password at ${origin}/forgot-password and contact an administrator.\n`,
  }),
  accountDeleted: (user: User): OutgoingMail => ({
    to: user.email,
    subject: `Your ${site} account was deleted`,
    text: `Hello ${user.username},\n\nyour ${site} account and its sessions, connections and two-factor settings were deleted. Your chat messages remain, signed "deleted user".\nIf this was not you, contact an administrator.\n`,
  }),
};

/**
 * Enqueues mail as a `mail.send` job in the caller's transaction: a request never waits for SMTP,
 * and the mail exists only if what it announces was committed.
 */
export function createMailOutbox(settings: { maxAttempts: number }) {
  return {
    enqueue: (db: Kysely<Database>, mail: OutgoingMail): Promise<void> =>
      createJobRepository(db).add("mail.send", mail, settings),
  };
}
export type MailOutbox = ReturnType<typeof createMailOutbox>;

/** Delivery (the `mail.send` task) and the development mailbox page. */
export function createMailService({
  db,
  delivery,
  from,
}: {
  db: Kysely<Database>;
  delivery: MailDelivery;
  from: string;
}) {
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
    async newestInMailbox(to?: Email): Promise<MailboxEntry[]> {
      if (delivery.kind !== "mailbox") throw new AppError("mail:no_mailbox");
      return mailbox.newest(50, to);
    },
  };
}
export type MailService = ReturnType<typeof createMailService>;
