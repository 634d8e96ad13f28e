import { z } from "zod";

/** An email as the application composes it; the sender is the deployment's MAIL_FROM. */
export const outgoingMailSchema = z.object({
  to: z.email(),
  subject: z.string().trim().min(1).max(200),
  text: z.string().min(1).max(20_000),
});
export type OutgoingMail = z.infer<typeof outgoingMailSchema>;

/** Hands a message to a mail server (SMTP in server/jobs/smtp-transport.ts); throws when it is refused. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
}

/**
 * Where mail goes, chosen once at start: an SMTP server, the development mailbox (no SMTP_URL outside
 * production), or nowhere yet (production without SMTP_URL: delivery fails and is retried, visibly).
 */
export type MailDelivery =
  | { readonly kind: "smtp"; readonly transport: MailTransport }
  | { readonly kind: "mailbox" }
  | { readonly kind: "unconfigured" };

/** A message kept by the development mailbox. */
export interface MailboxEntry extends OutgoingMail {
  readonly id: string;
  readonly from: string;
  readonly sentAt: Date;
}
