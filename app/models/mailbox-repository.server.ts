import type { Kysely } from "kysely";
import type { Database } from "./database.server.ts";
import type { MailboxEntry, OutgoingMail } from "./mail.ts";

/** The development mailbox: mail kept instead of sent, read newest first at /dev/mailbox. */
export function createMailboxRepository(db: Kysely<Database>) {
  return {
    async keep(mail: OutgoingMail, from: string): Promise<void> {
      await db
        .insertInto("dev_mailbox")
        .values({ sender: from, recipient: mail.to, subject: mail.subject, body: mail.text })
        .execute();
    },

    /** Newest first; only the mail to `to` when given. */
    async newest(limit: number, to?: string): Promise<MailboxEntry[]> {
      let query = db.selectFrom("dev_mailbox").selectAll().orderBy("id", "desc").limit(limit);
      if (to) query = query.where("recipient", "=", to);
      const rows = await query.execute();
      return rows.map((row) => ({
        id: row.id,
        from: row.sender,
        to: row.recipient,
        subject: row.subject,
        text: row.body,
        sentAt: row.sent_at,
      }));
    },
  };
}
