import type { MailDelivery } from "#app/models/mail.ts";
import type { MailSettings } from "#app/services/index.server.ts";
import type { Config } from "#server/config.ts";
import type { Logger } from "#server/logger.ts";
import { createSmtpTransport } from "./smtp-transport.ts";

/**
 * Where mail goes: SMTP_URL if set; else, outside production, the development mailbox (/dev/mailbox);
 * else (production without SMTP_URL) nowhere: delivery jobs fail and retry, visible at /admin/jobs,
 * and are delivered once SMTP_URL is set within their attempts.
 */
export function mailSettings(config: Config, logger: Logger): MailSettings & { close(): void } {
  let delivery: MailDelivery;
  let close = () => {};
  if (config.smtpUrl) {
    const transport = createSmtpTransport(config.smtpUrl, config.mailFrom);
    delivery = { kind: "smtp", transport };
    close = transport.close;
  } else if (config.environment !== "production") {
    delivery = { kind: "mailbox" };
  } else {
    logger.warn("SMTP_URL is not set: mail cannot be delivered; mail jobs will fail and retry (see /admin/jobs)");
    delivery = { kind: "unconfigured" };
  }
  return { delivery, from: config.mailFrom, maxAttempts: config.mailMaxAttempts, close };
}
