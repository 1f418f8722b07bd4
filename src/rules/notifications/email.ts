import nodemailer from 'nodemailer';

/**
 * Email through the configured SMTP server (PARLEY_SMTP_URL). The URL, password included, goes
 * to nodemailer and nowhere else: nodemailer's own logging stays off, and errors are reported by
 * their SMTP code and response, never with the URL.
 */

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(email: Email): Promise<void>;
  close(): void;
}

export function smtpMailer(smtp: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(smtp.url);
  return {
    async send(email) {
      await transport.sendMail({ from: smtp.from, ...email });
    },
    close() {
      transport.close();
    },
  };
}

/**
 * Whether a send that failed may work later: an SMTP 5xx answer (no such mailbox, refused) will
 * not, anything else (4xx, a connection that broke, a timeout) may.
 */
export function isPermanentMailError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The reason an agent is shown, free of anything but the SMTP server's answer. */
export function mailErrorReason(err: unknown): string {
  const e = err as { responseCode?: unknown; response?: unknown; code?: unknown } | null;
  if (typeof e?.response === 'string') return e.response.slice(0, 300);
  if (typeof e?.code === 'string') return e.code;
  return 'the mail server could not be reached';
}
