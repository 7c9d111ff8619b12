import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../../http/session.ts';

/** A duration as a sentence says it: "48 heures", "1 heure", "30 minutes". */
function inWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return hours === 1 ? '1 heure' : `${hours} heures`;
  }
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * The pages the DSFR footer requires: the accessibility statement, the legal notice, personal data and cookies.
 * Sésame is open-source software that an organisation deploys: the pages name that organisation as the operator
 * without inventing who it is, and say what the code itself does (what it stores, for how long, which cookie).
 */
export function legalPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/accessibilite', (_req, res) => {
    res.render('legal/accessibilite', { title: 'Déclaration d’accessibilité' });
  });

  router.get('/mentions-legales', (_req, res) => {
    res.render('legal/mentions-legales', { title: 'Mentions légales', publicUrl: deps.publicUrl.origin });
  });

  router.get('/donnees-personnelles', (_req, res) => {
    res.render('legal/donnees-personnelles', {
      title: 'Données personnelles',
      activationLinkValidity: inWords(deps.accounts.activationLinkTtlMs),
      passwordResetValidity: inWords(deps.accounts.passwordResetTtlMs),
      sessionLength: inWords(SESSION_TTL_MS),
    });
  });

  router.get('/gestion-des-cookies', (_req, res) => {
    res.render('legal/gestion-des-cookies', {
      title: 'Gestion des cookies',
      sessionCookie: SESSION_COOKIE,
      sessionLength: inWords(SESSION_TTL_MS),
    });
  });

  return router;
}
