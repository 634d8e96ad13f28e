import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** What the local SMTP server does with the next message: take it, refuse it (550), or hold it mid-DATA. */
export type SmtpMode = "accept" | "refuse" | "hold";

export interface ReceivedMail {
  readonly to: string[];
  readonly raw: string;
  /** The Subject header, unfolded. */
  readonly subject: string;
  /** The body as text (nodemailer sends long lines quoted-printable: decoded here). */
  readonly text: string;
}

/** A single-part message's body, decoded from quoted-printable when it says so. */
function bodyText(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (!/^Content-Transfer-Encoding: quoted-printable/im.test(head)) return body;
  const bytes = Buffer.from(
    body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    "latin1",
  );
  return bytes.toString("utf8");
}

export interface SmtpAttempt {
  readonly at: number;
  readonly to: string;
  readonly mode: SmtpMode;
}

export interface TestSmtpServer {
  readonly url: string;
  mode: SmtpMode;
  /** Every message accepted so far. */
  readonly received: ReceivedMail[];
  /** Every attempt to send to a recipient (RCPT TO), with its time: accepted, refused or held. */
  readonly attempts: SmtpAttempt[];
  /** Messages held mid-conversation (mode "hold"), still waiting for the server's answer. */
  readonly held: () => number;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (the smtp-server package, nodemailer's sibling): the only fake in
 * these tests is the mail provider, and it speaks the protocol. No TLS, no authentication.
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const attempts: SmtpAttempt[] = [];
  let held = 0;
  const state: { mode: SmtpMode } = { mode: "accept" };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    closeTimeout: 100, // held conversations are cut at close instead of awaited
    onRcptTo(address, _session, callback) {
      attempts.push({ at: Date.now(), to: address.address, mode: state.mode });
      if (state.mode !== "refuse") return callback();
      callback(Object.assign(new Error("Mailbox unavailable (test server refuses)"), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const mode = state.mode;
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        if (mode === "hold") {
          held += 1; // never answered: the client waits until it is killed
          return;
        }
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r\n[ \t]/g, " ") ?? "";
        received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, subject, text: bodyText(raw) });
        callback();
      });
    },
  });
  server.on("error", () => undefined); // a client killed mid-conversation is expected here
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    received,
    attempts,
    held: () => held,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
