import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import {
  connectionInfoFor,
  createTechnicalAccount,
  deleteTechnicalAccount,
  listTechnicalAccounts,
  resetTechnicalAccountPassword,
  type IssuedPassword,
} from '../../app/technical-accounts.ts';
import { AppError, notFound } from '../../domain/errors.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { idParam, siretParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { connectionInfoPdf } from '../pdf/connection-info-pdf.ts';

function paramsOf(req: Request): { siret: string; id: string } {
  return { siret: siretParam(req), id: req.params.id === undefined ? '' : idParam(req, 'id') };
}

const base = (siret: string) => `/organisations/${siret}/comptes-techniques`;

/** The only page that ever shows the password: not cached, and it carries the id of the PDF export. */
function showPassword(res: Response, issued: IssuedPassword, reset: boolean): void {
  res.set('Cache-Control', 'no-store');
  res.render('comptes-techniques/mot-de-passe', {
    title: reset ? 'Mot de passe réinitialisé' : 'Compte technique créé',
    issued,
    reset,
    accountsUrl: base(issued.organisation.siret),
  });
}

/** The main manager's technical accounts (seed 000): list, create, reset with confirmation, delete, PDF export. */
export function technicalAccountPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/organisations/:siret/comptes-techniques', requireSignedIn, async (req, res) => {
    const { siret } = paramsOf(req);
    const { organisation, accounts, canCreate } = await listTechnicalAccounts(deps, req.user!, siret);
    res.render('comptes-techniques/index', {
      title: 'Comptes techniques',
      organisation,
      canCreate,
      accounts: accounts.map((account) => ({
        ...account,
        expired: account.status === 'password_expired',
        lastUseText:
          account.lastUse.kind === 'unknown'
            ? 'Utilisation inconnue'
            : account.lastUse.kind === 'never'
              ? 'Pas encore utilisé'
              : undefined,
        lastUsedAt: account.lastUse.kind === 'at' ? account.lastUse.at : undefined,
      })),
    });
  });

  router.post('/organisations/:siret/comptes-techniques', requireSignedIn, async (req, res) => {
    const { siret } = paramsOf(req);
    try {
      showPassword(res, await createTechnicalAccount(deps, req.user!, siret), false);
    } catch (error) {
      if (!(error instanceof AppError) || error.problem.kind !== 'Conflict') throw error;
      flash(req, 'error', error.problem.message);
      res.redirect(base(siret));
    }
  });

  router.get(
    '/organisations/:siret/comptes-techniques/:id/reinitialisation',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      const { accounts } = await listTechnicalAccounts(deps, req.user!, siret);
      const account = accounts.find((candidate) => candidate.id === id);
      if (!account) throw notFound();
      res.render('comptes-techniques/reinitialisation', {
        title: 'Réinitialiser le mot de passe',
        siret,
        account,
      });
    },
  );

  router.post(
    '/organisations/:siret/comptes-techniques/:id/reinitialisation',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      try {
        const issued = await resetTechnicalAccountPassword(deps, req.user!, siret, id, {
          confirm: req.body?.confirm === 'oui',
        });
        showPassword(res, issued, true);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (!errors) throw error;
        const { accounts } = await listTechnicalAccounts(deps, req.user!, siret);
        res.status(422).render('comptes-techniques/reinitialisation', {
          title: 'Réinitialiser le mot de passe',
          siret,
          account: accounts.find((candidate) => candidate.id === id),
          confirmError: errors.confirm,
        });
      }
    },
  );

  router.post(
    '/organisations/:siret/comptes-techniques/:id/suppression',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      await deleteTechnicalAccount(deps, req.user!, siret, id);
      flash(req, 'success', 'Le compte technique est supprimé : ses identifiants ne fonctionnent plus.');
      res.redirect(base(siret));
    },
  );

  router.post(
    '/organisations/:siret/comptes-techniques/:id/informations-de-connexion',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      const { organisation, account, password } = await connectionInfoFor(
        deps,
        req.user!,
        siret,
        id,
        req.body?.download,
      );
      const pdf = await connectionInfoPdf({
        organisation: { siret: organisation.siret, name: organisation.name },
        login: account.login,
        password,
        passwordExpiresAt: account.passwordExpiresAt,
        reset: req.body?.reset === 'oui',
        generatedAt: new Date(),
        platformUrl: deps.publicUrl.toString(),
      });
      res
        .set({
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="informations-de-connexion-${account.login}.pdf"`,
          'Cache-Control': 'no-store',
        })
        .send(Buffer.from(pdf));
    },
  );

  return router;
}
