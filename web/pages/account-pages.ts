import { Router } from 'express';
import { activateAccount, checkActivationLink, resendActivationLink } from '../../app/activate-account.ts';
import type { AppDeps } from '../../app/deps.ts';
import {
  checkPasswordResetLink,
  completePasswordReset,
  requestPasswordReset,
} from '../../app/password-reset.ts';
import { signUp } from '../../app/sign-up.ts';
import type { Problem } from '../../domain/errors.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/password-policy.ts';
import { csrfToken } from '../../http/csrf.ts';
import { startAuthenticatedSession } from '../../http/session.ts';
import { retryLaterMessage } from '../errors.ts';
import { formAction, takeRefusedForm, type FormRefusal } from '../form-actions.ts';
import { flash } from '../flash.ts';

const SIGN_UP_FIELDS = ['givenName', 'familyName', 'email', 'siret'];

/**
 * What refuses an account form besides its fields: too many attempts, or a service it needs that does not
 * answer (the directory, Temporal). Nothing was created or sent: the form comes back as typed. A database that
 * cannot be reached is an error page, since the session that would carry the form back is in it too.
 */
function accountRefusal(problem: Problem, tooMany: string): FormRefusal | undefined {
  if (problem.kind === 'TooManyRequests')
    return {
      status: 429,
      retryAfterSeconds: problem.retryAfterSeconds,
      message: `${tooMany} ${retryLaterMessage(problem.retryAfterSeconds)}`,
    };
  if (problem.kind === 'Unavailable' && problem.service !== 'postgres')
    return {
      status: 503,
      retryAfterSeconds: 60,
      message:
        problem.service === 'directory'
          ? 'Le répertoire des entreprises (Sirene) ne répond pas pour le moment et votre numéro SIRET n’a pas pu être vérifié. Rien n’a été créé : veuillez réessayer dans quelques minutes.'
          : 'Le service est momentanément indisponible. Rien n’a été créé : veuillez réessayer dans quelques instants.',
    };
  return undefined;
}

const TOO_MANY_EMAILS =
  'Trop de demandes ont été faites en peu de temps pour cette adresse ou depuis votre connexion.';

export function accountPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/inscription', (req, res) => {
    if (req.user) return res.redirect('/tableau-de-bord');
    res.render('inscription', {
      title: 'Créer un compte',
      csrfToken: csrfToken(req),
      passwordMinLength: PASSWORD_MIN_LENGTH,
      ...takeRefusedForm(req, res),
    });
  });

  router.post(
    '/inscription',
    formAction(
      async (req) => {
        await signUp(deps, req.body, req.ip ?? 'unknown');
        return { redirect: '/inscription/verifiez-votre-messagerie' };
      },
      {
        back: () => '/inscription',
        fields: SIGN_UP_FIELDS,
        refusals: (problem) => accountRefusal(problem, TOO_MANY_EMAILS),
      },
    ),
  );

  router.get('/inscription/verifiez-votre-messagerie', (req, res) => {
    res.render('inscription-envoyee', {
      title: 'Vérifiez votre messagerie',
      csrfToken: csrfToken(req),
      ...takeRefusedForm(req, res),
    });
  });

  router.post(
    '/activation/renvoyer',
    formAction(
      async (req) => {
        await resendActivationLink(deps, req.body, req.ip ?? 'unknown');
        return {
          redirect: '/inscription/verifiez-votre-messagerie',
          flash: {
            type: 'info',
            message:
              'Si cette adresse a un compte en attente d’activation, un nouveau lien vient de lui être envoyé. Le précédent ne fonctionne plus.',
          },
        };
      },
      {
        back: () => '/inscription/verifiez-votre-messagerie',
        fields: ['email'],
        refusals: (problem) => accountRefusal(problem, TOO_MANY_EMAILS),
      },
    ),
  );

  // Opening the link only shows a button: mail scanners follow links, and must not use them up.
  router.get('/activation/:token', async (req, res) => {
    await checkActivationLink(deps, req.params.token);
    res.render('activation', {
      title: 'Activer mon compte',
      csrfToken: csrfToken(req),
      token: req.params.token,
    });
  });

  router.post('/activation', async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const activation = await activateAccount(deps, { token });
    await startAuthenticatedSession(req, activation.user.id);
    const { name, siret } = activation.organisation;
    const messages = {
      main_manager: `Votre compte est activé. Vous êtes gestionnaire principal de ${name} (SIRET ${siret}).`,
      joined_by_domain: `Votre compte est activé. Vous avez rejoint ${name} (SIRET ${siret}) en tant que demandeur ; ses membres en sont informés.`,
      pending_support: `Votre compte est activé. Votre rattachement à ${name} (SIRET ${siret}) doit être validé par le support de Sésame : vous recevrez un courriel dès sa décision.`,
    };
    flash(req, activation.case === 'pending_support' ? 'warning' : 'success', messages[activation.case]);
    res.redirect(303, '/tableau-de-bord');
  });

  router.get('/mot-de-passe/oublie', (req, res) => {
    res.render('mot-de-passe-oublie', {
      title: 'Mot de passe oublié',
      csrfToken: csrfToken(req),
      ...takeRefusedForm(req, res),
    });
  });

  router.post(
    '/mot-de-passe/oublie',
    formAction(
      async (req) => {
        await requestPasswordReset(deps, req.body, req.ip ?? 'unknown');
        return {
          redirect: '/connexion',
          flash: {
            type: 'info',
            message:
              'Si un compte actif utilise cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé. Il est valable une heure.',
          },
        };
      },
      {
        back: () => '/mot-de-passe/oublie',
        fields: ['email'],
        refusals: (problem) => accountRefusal(problem, TOO_MANY_EMAILS),
      },
    ),
  );

  router.get('/mot-de-passe/reinitialiser/:token', async (req, res) => {
    await checkPasswordResetLink(deps, req.params.token);
    res.render('mot-de-passe-nouveau', {
      title: 'Choisir un nouveau mot de passe',
      csrfToken: csrfToken(req),
      token: req.params.token,
      passwordMinLength: PASSWORD_MIN_LENGTH,
      ...takeRefusedForm(req, res),
    });
  });

  router.post(
    '/mot-de-passe/reinitialiser',
    formAction(
      async (req) => {
        await completePasswordReset(deps, req.body);
        return {
          redirect: '/connexion',
          flash: {
            type: 'success',
            message: 'Votre mot de passe a été changé. Connectez-vous avec le nouveau.',
          },
        };
      },
      {
        // Back to the link's own page, which checks the link again; the password is never kept.
        back: (req) => {
          const token = (req.body as Record<string, unknown> | undefined)?.token;
          return `/mot-de-passe/reinitialiser/${encodeURIComponent(typeof token === 'string' ? token : '')}`;
        },
        fields: [],
      },
    ),
  );

  return router;
}
