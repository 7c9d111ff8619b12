import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { getMailOverview } from '../../app/mail-overview.ts';
import { sendTestEmail } from '../../app/send-test-email.ts';
import { emailAddressSchema } from '../../domain/email-address.ts';
import { flash } from '../flash.ts';
import { formErrors } from '../forms.ts';
import { requireSignedIn } from '../page-context.ts';

const testEmailForm = z.object({
  to: z
    .string({ error: 'Saisissez l’adresse du destinataire.' })
    .min(1, 'Saisissez l’adresse du destinataire.')
    .pipe(emailAddressSchema),
});

export function adminPages(deps: AppDeps, options: { smtp: boolean }): Router {
  const router = Router();

  const renderAdmin = async (
    req: Parameters<typeof requireSignedIn>[0],
    extra: Record<string, unknown> = {},
  ) => ({
    title: 'Administration',
    activeNav: 'admin',
    smtp: options.smtp,
    overview: await getMailOverview(deps, req.user!),
    values: { to: req.user!.email },
    ...extra,
  });

  router.get('/admin', requireSignedIn, async (req, res) => {
    res.render('admin', await renderAdmin(req));
  });

  router.post('/admin/courriel-de-test', requireSignedIn, async (req, res) => {
    const parsed = testEmailForm.safeParse(req.body ?? {});
    if (!parsed.success) {
      const to = (req.body as Record<string, unknown> | undefined)?.to;
      return res.status(422).render(
        'admin',
        await renderAdmin(req, {
          errors: formErrors(parsed.error),
          values: { to: typeof to === 'string' ? to : '' },
        }),
      );
    }
    await sendTestEmail(deps, req.user!, { to: parsed.data.to });
    flash(req, 'success', `Le courriel de test a été mis en file d’envoi pour ${parsed.data.to}.`);
    res.redirect('/admin');
  });

  return router;
}
