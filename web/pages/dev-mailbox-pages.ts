import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { listDevelopmentMailbox, readDevelopmentEmail } from '../../app/mail-overview.ts';
import { notFound } from '../../domain/errors.ts';

const emailId = z.uuid();

/** The development mailbox: mounted only outside production and without SMTP (see web/router.ts). */
export function devMailboxPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/dev/mails.json', async (_req, res) => {
    const emails = await listDevelopmentMailbox(deps);
    res.json(
      emails.map((email) => ({
        id: email.id,
        to: email.recipient,
        subject: email.subject,
        text: email.text,
        html: email.html,
        status: email.status,
        createdAt: email.createdAt.toISOString(),
      })),
    );
  });

  router.get('/dev/mails', async (_req, res) => {
    res.render('dev-mails', {
      title: 'Boîte de réception de développement',
      emails: await listDevelopmentMailbox(deps),
    });
  });

  const findEmail = async (id: string) => {
    const email = emailId.safeParse(id).success ? await readDevelopmentEmail(deps, id) : undefined;
    if (!email) throw notFound();
    return email;
  };

  router.get('/dev/mails/:id', async (req, res) => {
    const email = await findEmail(req.params.id);
    res.render('dev-mail', { title: email.subject, email });
  });

  router.get('/dev/mails/:id/html', async (req, res) => {
    const email = await findEmail(req.params.id);
    // The email's own HTML, isolated: no script, no access to this site's cookies or pages.
    res
      .set(
        'Content-Security-Policy',
        "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      )
      .type('html')
      .send(email.html);
  });

  return router;
}
