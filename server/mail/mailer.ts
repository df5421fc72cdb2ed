/**
 * Sending e-mail, behind an interface: SMTP (nodemailer) in service, whatever the operator's
 * relay is. Only the owner-key recovery sends mail, to an address the owner typed and the
 * registry recognised (it keeps only a keyed hash of it).
 */
import { createTransport } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** A mailer over SMTP: `url` is smtp://[user:pass@]host:port or smtps://… */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}
