import nodemailer from "nodemailer";
import type { MailTransport } from "#app/models/mail.ts";

/** nodemailer over SMTP (SMTP_URL: smtp:// with STARTTLS when offered, smtps:// for implicit TLS), sending as MAIL_FROM. */
export function createSmtpTransport(url: string, from: string): MailTransport & { close(): void } {
  const transporter = nodemailer.createTransport(url, { from });
  return {
    async send(mail) {
      await transporter.sendMail({ to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transporter.close(),
  };
}
