import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import type { PendingAuthorization } from '../../app/proconnect-client.ts';
import {
  linkProConnectIdentity,
  signInWithProConnect,
  type PendingLink,
  type ProConnectSignIn,
} from '../../app/proconnect.ts';
import { AppError } from '../../domain/errors.ts';
import {
  PROCONNECT_CALLBACK_PATH,
  PROCONNECT_REFUSALS,
  ProConnectRefused,
  type ProConnectRefusal,
} from '../../domain/proconnect.ts';
import { csrfToken } from '../../http/csrf.ts';
import { endAuthenticatedSession, startAuthenticatedSession } from '../../http/session.ts';
import { formAlert, refuseForm, takeRefusedForm } from '../form-actions.ts';
import { retryLaterMessage } from '../errors.ts';
import { flash } from '../flash.ts';
import { safeReturnPath } from '../page-context.ts';

declare module 'express-session' {
  interface SessionData {
    /** Between sending the person to ProConnect and their return: what the answer must match. */
    proconnectAuthorization?: PendingAuthorization & { retour?: string; expiresAt: number };
    /** An email account waits for its owner's password before ProConnect is linked to it. */
    proconnectLink?: PendingLink & { idToken: string; retour?: string; expiresAt: number };
    /** The ID token of a session opened through ProConnect: the `id_token_hint` of its logout. */
    proconnectIdToken?: string;
    /** The `state` of a logout sent to ProConnect, checked when the person comes back. */
    proconnectLogoutState?: string;
  }
}

/** Long enough to choose an agent at the provider or to find one's password; short enough to be of no use later. */
const PENDING_TTL_MS = 10 * 60_000;

function renderRefusal(res: Response, reason: ProConnectRefusal): void {
  const { status, heading, message } = PROCONNECT_REFUSALS[reason];
  if (status === 503) res.set('Retry-After', '60');
  res.status(status).render('proconnect-refus', { title: heading, heading, message });
}

/** The message of the page a sign-in lands on, by how the person was attached to the organisation. */
function welcome(req: Request, outcome: ProConnectSignIn & { kind: 'signed_in' }, linked: boolean): void {
  const { organisation, membership } = outcome.matching;
  const where = `${organisation.name} (SIRET ${organisation.siret})`;
  const opening = linked
    ? 'Votre compte est désormais lié à ProConnect : vous pourrez vous connecter avec l’un ou l’autre.'
    : outcome.accountCreated
      ? 'Votre compte Sésame est créé à partir de votre identité ProConnect.'
      : 'Vous êtes connecté·e avec ProConnect.';
  if (!outcome.matching.joinedNow) {
    if (membership.status === 'pending_support')
      return flash(req, 'warning', `${opening} Votre rattachement à ${where} attend la décision du support.`);
    return flash(req, 'success', opening);
  }
  const messages = {
    main_manager: `${opening} Vous êtes gestionnaire principal de ${where}.`,
    joined_by_domain: `${opening} Vous avez rejoint ${where} en tant que demandeur ; ses membres en sont informés.`,
    pending_support: `${opening} Votre rattachement à ${where} doit être validé par le support de Sésame : vous recevrez un courriel dès sa décision.`,
  };
  flash(
    req,
    outcome.matching.case === 'pending_support' ? 'warning' : 'success',
    messages[outcome.matching.case],
  );
}

async function openSession(
  req: Request,
  res: Response,
  outcome: ProConnectSignIn & { kind: 'signed_in' },
  idToken: string,
  retour: string | undefined,
  linked: boolean,
): Promise<void> {
  await startAuthenticatedSession(req, outcome.user.id);
  req.session.proconnectIdToken = idToken;
  welcome(req, outcome, linked);
  res.redirect(retour ?? '/tableau-de-bord');
}

/** The query string of the current request, as the provider wrote it (openid-client reads it whole). */
function queryOf(req: Request): string {
  const index = req.originalUrl.indexOf('?');
  return index === -1 ? '' : req.originalUrl.slice(index);
}

/**
 * Ends the session, and when it was opened through ProConnect, returns the provider's logout address (with
 * `id_token_hint`, `state` and `post_logout_redirect_uri`) for the page that sends the browser there.
 */
export async function endSessionWithProConnect(deps: AppDeps, req: Request): Promise<URL | undefined> {
  const idToken = req.session.proconnectIdToken;
  await endAuthenticatedSession(req);
  if (!idToken || !deps.proconnect) return undefined;
  const state = randomBytes(32).toString('base64url');
  const url = await deps.proconnect.endSessionUrl(idToken, state);
  if (url) req.session.proconnectLogoutState = state;
  return url;
}

/** "S'identifier avec ProConnect", its return, the linking of an existing email account, and its logout's return. */
export function proconnectPages(deps: AppDeps): Router {
  const router = Router();

  // The sign-in and sign-up pages show the button when ProConnect is configured, keeping where to go after.
  router.use((req, res, next) => {
    if (deps.proconnect && !req.user) {
      const retour =
        safeReturnPath(req.query.retour) ?? safeReturnPath((req.body as Record<string, unknown>)?.retour);
      res.locals.proconnectSignInUrl = `/connexion/proconnect${retour ? `?retour=${encodeURIComponent(retour)}` : ''}`;
    }
    next();
  });

  router.get('/connexion/proconnect', async (req, res) => {
    const proconnect = deps.proconnect;
    if (!proconnect) throw new AppError({ kind: 'NotFound' });
    if (req.user) return res.redirect('/tableau-de-bord');
    let started;
    try {
      started = await proconnect.startAuthorization();
    } catch (error) {
      if (error instanceof ProConnectRefused) return renderRefusal(res, error.reason);
      throw error;
    }
    req.session.proconnectAuthorization = {
      ...started.pending,
      retour: safeReturnPath(req.query.retour),
      expiresAt: Date.now() + PENDING_TTL_MS,
    };
    res.redirect(started.url.toString());
  });

  router.get(PROCONNECT_CALLBACK_PATH, async (req, res) => {
    const proconnect = deps.proconnect;
    if (!proconnect) throw new AppError({ kind: 'NotFound' });
    // Used once, whatever happens next: a second use of the same answer finds nothing to match.
    const pending = req.session.proconnectAuthorization;
    delete req.session.proconnectAuthorization;
    try {
      if (
        !pending ||
        pending.expiresAt < Date.now() ||
        typeof req.query.state !== 'string' ||
        req.query.state !== pending.state
      ) {
        throw new ProConnectRefused('state');
      }
      if (typeof req.query.code !== 'string' && typeof req.query.error !== 'string')
        throw new ProConnectRefused('provider_error');
      const answer = await proconnect.completeAuthorization(
        new URL(`${PROCONNECT_CALLBACK_PATH}${queryOf(req)}`, deps.publicUrl),
        pending,
      );
      const outcome = await signInWithProConnect(deps, answer);
      if (outcome.kind === 'link_required') {
        req.session.proconnectLink = {
          ...outcome.link,
          idToken: answer.idToken,
          retour: pending.retour,
          expiresAt: Date.now() + PENDING_TTL_MS,
        };
        return res.redirect('/connexion/proconnect/lier');
      }
      await openSession(req, res, outcome, answer.idToken, pending.retour, false);
    } catch (error) {
      if (error instanceof ProConnectRefused) return renderRefusal(res, error.reason);
      throw error;
    }
  });

  /** The pending link of this browser, or the refusal page when there is none or it is too old. */
  const pendingLink = (req: Request, res: Response) => {
    const link = req.session.proconnectLink;
    if (link && link.expiresAt >= Date.now()) return link;
    delete req.session.proconnectLink;
    renderRefusal(res, 'link_expired');
    return undefined;
  };

  router.get('/connexion/proconnect/lier', (req, res) => {
    const link = pendingLink(req, res);
    if (!link) return;
    res.render('proconnect-lier', {
      title: 'Lier votre compte à ProConnect',
      csrfToken: csrfToken(req),
      email: link.person.email,
      organisation: link.establishment.name,
      ...takeRefusedForm(req, res),
    });
  });

  // A wrong password comes back to the form (post/redirect/get, the password never kept); a refusal of the link
  // itself (expired, the identity changed meanwhile) is the refusal page.
  router.post('/connexion/proconnect/lier', async (req, res) => {
    const link = pendingLink(req, res);
    if (!link) return;
    const back = '/connexion/proconnect/lier';
    const password = (req.body as Record<string, unknown>)?.password;
    if (typeof password !== 'string' || password === '' || password.length > 1024)
      return refuseForm(req, res, {
        back,
        status: 422,
        errors: { password: 'Saisissez le mot de passe de votre compte Sésame.' },
        fields: [],
      });
    try {
      const outcome = await linkProConnectIdentity(deps, { link, password, ip: req.ip ?? 'unknown' });
      await openSession(req, res, outcome, link.idToken, link.retour, true);
    } catch (error) {
      if (error instanceof ProConnectRefused) {
        delete req.session.proconnectLink;
        return renderRefusal(res, error.reason);
      }
      if (!(error instanceof AppError)) throw error;
      if (error.problem.kind === 'InvalidCredentials')
        return refuseForm(req, res, {
          back,
          status: 401,
          errors: { password: 'Ce mot de passe n’est pas celui de votre compte Sésame.' },
          fields: [],
        });
      if (error.problem.kind === 'TooManyRequests')
        return refuseForm(req, res, {
          back,
          status: 429,
          retryAfterSeconds: error.problem.retryAfterSeconds,
          errors: formAlert(`Trop de tentatives. ${retryLaterMessage(error.problem.retryAfterSeconds)}`),
          fields: [],
        });
      throw error;
    }
  });

  router.get('/deconnexion/proconnect/retour', (req, res) => {
    const expected = req.session.proconnectLogoutState;
    delete req.session.proconnectLogoutState;
    if (expected !== undefined && req.query.state === expected) {
      flash(req, 'success', 'Vous êtes déconnecté·e de Sésame et de ProConnect.');
    } else {
      flash(req, 'info', 'Vous êtes déconnecté·e de Sésame.');
    }
    res.redirect('/connexion');
  });

  return router;
}
