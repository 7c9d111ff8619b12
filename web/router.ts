import express, { Router } from 'express';
import type { AppDeps } from '../app/deps.ts';
import { AppError } from '../domain/errors.ts';
import { isCsrfValid } from '../http/csrf.ts';
import { webErrorHandler, webNotFound } from './errors.ts';
import { pageContext } from './page-context.ts';
import { accountPages } from './pages/account-pages.ts';
import { adminPages } from './pages/admin-pages.ts';
import { cataloguePage } from './pages/catalogue-page.ts';
import { dashboardPage } from './pages/dashboard-page.ts';
import { devMailboxPages } from './pages/dev-mailbox-pages.ts';
import { instructionPages } from './pages/instruction/index.ts';
import { invitationPages } from './pages/invitation-pages.ts';
import { legalPages } from './pages/legal-pages.ts';
import { memberPages } from './pages/member-pages.ts';
import { organisationPages } from './pages/organisation-pages.ts';
import { proconnectPages } from './pages/proconnect-pages.ts';
import { requestPages, requestUploadParser } from './pages/request-pages.ts';
import { sessionPages } from './pages/session-pages.ts';
import { statisticsPages } from './pages/statistics-pages.ts';
import { technicalAccountPages } from './pages/technical-account-pages.ts';
import { tokenPages } from './pages/token-pages.ts';
import { webhookPages } from './pages/webhook-pages.ts';

export interface WebOptions {
  /** Mount /dev/mails: outside production, when emails are not sent by SMTP. */
  devMailbox: boolean;
  smtp: boolean;
}

/** The server-rendered pages: French, DSFR-styled, every form protected by a CSRF token. */
export function createWebRouter(deps: AppDeps, options: WebOptions): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  router.use(pageContext(options));
  router.post('/demandes/:id/pieces-jointes', requestUploadParser());
  router.use((req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && !isCsrfValid(req)) {
      throw new AppError({ kind: 'Forbidden', reason: 'csrf' });
    }
    next();
  });

  router.get('/', (req, res) => {
    if (req.user) return res.redirect('/tableau-de-bord');
    res.render('home', { title: 'Accueil' });
  });
  // Ahead of the sign-in and sign-up pages: it tells them whether to show the ProConnect button.
  router.use(proconnectPages(deps));
  router.use(sessionPages(deps));
  router.use(accountPages(deps));
  router.use(dashboardPage(deps));
  router.use(statisticsPages(deps));
  router.use(legalPages(deps));
  router.use(cataloguePage(deps));
  router.use(organisationPages(deps));
  router.use(requestPages(deps));
  router.use(instructionPages(deps));
  router.use(invitationPages(deps));
  router.use(memberPages(deps));
  router.use(tokenPages(deps));
  router.use(technicalAccountPages(deps));
  router.use(webhookPages(deps));
  router.use(adminPages(deps, { smtp: options.smtp }));
  if (options.devMailbox) router.use(devMailboxPages(deps));

  router.use(webNotFound);
  router.use(webErrorHandler);
  return router;
}
