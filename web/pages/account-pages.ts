import { Router, type Request, type Response } from 'express';
import { activateAccount, checkActivationLink, resendActivationLink } from '../../app/activate-account.ts';
import type { AppDeps } from '../../app/deps.ts';
import {
  checkPasswordResetLink,
  completePasswordReset,
  requestPasswordReset,
} from '../../app/password-reset.ts';
import { signUp } from '../../app/sign-up.ts';
import { AppError } from '../../domain/errors.ts';
import { PASSWORD_MIN_LENGTH } from '../../domain/password-policy.ts';
import { csrfToken } from '../../http/csrf.ts';
import { startAuthenticatedSession } from '../../http/session.ts';
import { retryLaterMessage } from '../errors.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf, formValues } from '../forms.ts';

const SIGN_UP_FIELDS = ['givenName', 'familyName', 'email', 'siret'];

/** Re-renders a form with its errors when `work` fails validation; any other failure goes on. */
async function submitForm(
  req: Request,
  res: Response,
  view: { name: string; title: string; fields: string[]; extra?: Record<string, unknown> },
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const render = (status: number, locals: Record<string, unknown>) =>
      res.status(status).render(view.name, {
        title: view.title,
        csrfToken: csrfToken(req),
        values: formValues(req, view.fields),
        ...view.extra,
        ...locals,
      });
    if (error instanceof AppError && error.problem.kind === 'Unavailable') {
      // Nothing was created: the form comes back as typed, with the advice to try again later.
      res.set('Retry-After', '60');
      return void render(503, {
        error:
          error.problem.service === 'directory'
            ? 'Le répertoire des entreprises (Sirene) ne répond pas pour le moment et votre numéro SIRET n’a pas pu être vérifié. Rien n’a été créé : veuillez réessayer dans quelques minutes.'
            : 'Le service est momentanément indisponible. Rien n’a été créé : veuillez réessayer dans quelques instants.',
      });
    }
    if (error instanceof AppError && error.problem.kind === 'TooManyRequests') {
      // Nothing was sent: the form comes back as typed, saying when it can be sent again.
      res.set('Retry-After', String(error.problem.retryAfterSeconds));
      return void render(429, {
        error: `Trop de demandes ont été faites en peu de temps pour cette adresse ou depuis votre connexion. ${retryLaterMessage(error.problem.retryAfterSeconds)}`,
      });
    }
    const errors = fieldErrorsOf(error);
    if (!errors) throw error;
    render(422, { errors, errorCount: Object.keys(errors).length });
  }
}

export function accountPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/inscription', (req, res) => {
    if (req.user) return res.redirect('/tableau-de-bord');
    res.render('inscription', {
      title: 'Créer un compte',
      csrfToken: csrfToken(req),
      passwordMinLength: PASSWORD_MIN_LENGTH,
    });
  });

  router.post('/inscription', async (req, res) => {
    await submitForm(
      req,
      res,
      {
        name: 'inscription',
        title: 'Créer un compte',
        fields: SIGN_UP_FIELDS,
        extra: { passwordMinLength: PASSWORD_MIN_LENGTH },
      },
      async () => {
        await signUp(deps, req.body, req.ip ?? 'unknown');
        res.redirect('/inscription/verifiez-votre-messagerie');
      },
    );
  });

  router.get('/inscription/verifiez-votre-messagerie', (req, res) => {
    res.render('inscription-envoyee', { title: 'Vérifiez votre messagerie', csrfToken: csrfToken(req) });
  });

  router.post('/activation/renvoyer', async (req, res) => {
    await submitForm(
      req,
      res,
      { name: 'inscription-envoyee', title: 'Vérifiez votre messagerie', fields: ['email'] },
      async () => {
        await resendActivationLink(deps, req.body, req.ip ?? 'unknown');
        flash(
          req,
          'info',
          'Si cette adresse a un compte en attente d’activation, un nouveau lien vient de lui être envoyé. Le précédent ne fonctionne plus.',
        );
        res.redirect('/inscription/verifiez-votre-messagerie');
      },
    );
  });

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
    res.redirect('/tableau-de-bord');
  });

  router.get('/mot-de-passe/oublie', (req, res) => {
    res.render('mot-de-passe-oublie', { title: 'Mot de passe oublié', csrfToken: csrfToken(req) });
  });

  router.post('/mot-de-passe/oublie', async (req, res) => {
    await submitForm(
      req,
      res,
      { name: 'mot-de-passe-oublie', title: 'Mot de passe oublié', fields: ['email'] },
      async () => {
        await requestPasswordReset(deps, req.body, req.ip ?? 'unknown');
        flash(
          req,
          'info',
          'Si un compte actif utilise cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé. Il est valable une heure.',
        );
        res.redirect('/connexion');
      },
    );
  });

  router.get('/mot-de-passe/reinitialiser/:token', async (req, res) => {
    await checkPasswordResetLink(deps, req.params.token);
    res.render('mot-de-passe-nouveau', {
      title: 'Choisir un nouveau mot de passe',
      csrfToken: csrfToken(req),
      token: req.params.token,
      passwordMinLength: PASSWORD_MIN_LENGTH,
    });
  });

  router.post('/mot-de-passe/reinitialiser', async (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    await submitForm(
      req,
      res,
      {
        name: 'mot-de-passe-nouveau',
        title: 'Choisir un nouveau mot de passe',
        fields: [],
        extra: { token, passwordMinLength: PASSWORD_MIN_LENGTH },
      },
      async () => {
        await completePasswordReset(deps, req.body);
        flash(req, 'success', 'Votre mot de passe a été changé. Connectez-vous avec le nouveau.');
        res.redirect('/connexion');
      },
    );
  });

  return router;
}
