import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { signIn } from '../../app/sign-in.ts';
import { emailAddressSchema } from '../../domain/email-address.ts';
import { AppError } from '../../domain/errors.ts';
import { csrfToken } from '../../http/csrf.ts';
import { startAuthenticatedSession } from '../../http/session.ts';
import { retryLaterMessage } from '../errors.ts';
import { flash } from '../flash.ts';
import { formErrors } from '../forms.ts';
import { safeReturnPath } from '../page-context.ts';
import { endSessionWithProConnect } from './proconnect-pages.ts';

const signInForm = z.object({
  email: emailAddressSchema,
  password: z
    .string({ error: 'Saisissez votre mot de passe.' })
    .min(1, 'Saisissez votre mot de passe.')
    .max(1024, 'Le mot de passe est trop long.'),
  retour: z.string().optional(),
});

export function sessionPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/connexion', (req, res) => {
    if (req.user) return res.redirect(safeReturnPath(req.query.retour) ?? '/tableau-de-bord');
    res.render('connexion', {
      title: 'Se connecter',
      csrfToken: csrfToken(req),
      values: { retour: safeReturnPath(req.query.retour) },
    });
  });

  router.post('/connexion', async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const values = {
      email: typeof form.email === 'string' ? form.email : '',
      retour: safeReturnPath(form.retour),
    };
    const render = (status: number, extra: Record<string, unknown>) =>
      res
        .status(status)
        .render('connexion', { title: 'Se connecter', csrfToken: csrfToken(req), values, ...extra });

    const parsed = signInForm.safeParse(form);
    if (!parsed.success) return render(422, { errors: formErrors(parsed.error) });

    try {
      const user = await signIn(deps, {
        email: parsed.data.email,
        password: parsed.data.password,
        ip: req.ip ?? 'unknown',
      });
      await startAuthenticatedSession(req, user.id);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.problem.kind === 'InvalidCredentials') {
        return render(401, { error: 'Adresse électronique ou mot de passe incorrect.' });
      }
      if (error.problem.kind === 'TooManyRequests') {
        res.set('Retry-After', String(error.problem.retryAfterSeconds));
        return render(429, {
          error: `Trop de tentatives de connexion. ${retryLaterMessage(error.problem.retryAfterSeconds)}`,
        });
      }
      throw error;
    }
    flash(req, 'success', 'Vous êtes connecté·e.');
    res.redirect(values.retour ?? '/tableau-de-bord');
  });

  router.post('/deconnexion', async (req, res) => {
    const providerLogout = await endSessionWithProConnect(deps, req);
    // A page that sends the browser on, not a redirect: the content security policy (form-action 'self')
    // blocks a form submission's redirect to another site.
    if (providerLogout)
      return res.render('proconnect-deconnexion', {
        title: 'Déconnexion',
        endSessionUrl: providerLogout.toString(),
      });
    flash(req, 'success', 'Vous êtes déconnecté·e.');
    res.redirect('/connexion');
  });

  return router;
}
