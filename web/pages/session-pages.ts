import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { parseInput } from '../../app/validation.ts';
import { signIn } from '../../app/sign-in.ts';
import { emailAddressSchema } from '../../domain/email-address.ts';
import { csrfToken } from '../../http/csrf.ts';
import { startAuthenticatedSession } from '../../http/session.ts';
import { retryLaterMessage } from '../errors.ts';
import { formAction, takeRefusedForm } from '../form-actions.ts';
import { flash } from '../flash.ts';
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
    const refused = takeRefusedForm(req, res);
    res.render('connexion', {
      title: 'Se connecter',
      csrfToken: csrfToken(req),
      ...refused,
      values: { ...refused.values, retour: safeReturnPath(req.query.retour) },
    });
  });

  // Post/redirect/get, refusals included: the form comes back with the address typed and an empty password
  // field (a password is never kept in the session to be shown back), so a refresh sends nothing again.
  router.post(
    '/connexion',
    formAction(
      async (req) => {
        const form = parseInput(signInForm, req.body ?? {});
        const user = await signIn(deps, {
          email: form.email,
          password: form.password,
          ip: req.ip ?? 'unknown',
        });
        await startAuthenticatedSession(req, user.id);
        return {
          redirect: safeReturnPath(form.retour) ?? '/tableau-de-bord',
          flash: { type: 'success', message: 'Vous êtes connecté·e.' },
        };
      },
      {
        back: (req) => {
          const retour = safeReturnPath((req.body as Record<string, unknown> | undefined)?.retour);
          return `/connexion${retour ? `?retour=${encodeURIComponent(retour)}` : ''}`;
        },
        fields: ['email'],
        refusals: (problem) => {
          if (problem.kind === 'InvalidCredentials')
            return { status: 401, message: 'Adresse électronique ou mot de passe incorrect.' };
          if (problem.kind === 'TooManyRequests')
            return {
              status: 429,
              retryAfterSeconds: problem.retryAfterSeconds,
              message: `Trop de tentatives de connexion. ${retryLaterMessage(problem.retryAfterSeconds)}`,
            };
          return undefined;
        },
      },
    ),
  );

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
