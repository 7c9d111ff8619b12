import { Router, type Request } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import {
  connectionInfoFor,
  createTechnicalAccount,
  deleteTechnicalAccount,
  listTechnicalAccounts,
  resetTechnicalAccountPassword,
  type IssuedPassword,
  type TechnicalAccountView,
} from '../../app/technical-accounts.ts';
import { notFound } from '../../domain/errors.ts';
import { renderConfirmation } from '../confirmation.ts';
import { flash } from '../flash.ts';
import { formAction, takeFormState } from '../form-actions.ts';
import { idParam, siretParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { connectionInfoPdf } from '../pdf/connection-info-pdf.ts';
import { lastUseDelayText } from '../presenters/last-use.ts';
import { keepShownOnce, takeShownOnce } from '../shown-once.ts';

function paramsOf(req: Request): { siret: string; id: string } {
  return { siret: siretParam(req), id: req.params.id === undefined ? '' : idParam(req, 'id') };
}

const base = (siret: string) => `/organisations/${siret}/comptes-techniques`;
const passwordPath = (siret: string, id: string) => `${base(siret)}/${id}/mot-de-passe`;

/** What the password page shows, sealed across the redirect (web/shown-once.ts). */
interface ShownPassword {
  issued: IssuedPassword;
  reset: boolean;
}

async function accountOf(
  deps: AppDeps,
  req: Request,
  siret: string,
  id: string,
): Promise<TechnicalAccountView> {
  const { accounts } = await listTechnicalAccounts(deps, req.user!, siret);
  const account = accounts.find((candidate) => candidate.id === id);
  if (!account) throw notFound();
  return account;
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
      lastUseDelay: lastUseDelayText(deps.credentials.settings.lastUsedFlushIntervalMs),
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

  // Post/redirect/get: the password crosses the redirect sealed, and the page that shows it answers a GET, so a
  // refresh neither creates a second account nor resets the password again.
  router.post(
    '/organisations/:siret/comptes-techniques',
    requireSignedIn,
    formAction(
      async (req) => {
        const { siret } = paramsOf(req);
        const issued = await createTechnicalAccount(deps, req.user!, siret);
        const path = passwordPath(siret, issued.account.id);
        keepShownOnce(deps, req, path, 'technical-account-password', {
          issued,
          reset: false,
        } satisfies ShownPassword);
        return { redirect: path };
      },
      { back: (req) => base(siretParam(req)) },
    ),
  );

  /** The only page that ever shows the password: once, not cached, with the id of the PDF export. */
  router.get(
    '/organisations/:siret/comptes-techniques/:id/mot-de-passe',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      await accountOf(deps, req, siret, id);
      const shown = takeShownOnce<ShownPassword>(deps, req, 'technical-account-password');
      if (!shown || shown.issued.account.id !== id) {
        flash(
          req,
          'info',
          'Le mot de passe d’un compte technique ne s’affiche qu’une fois, juste après sa création ou sa réinitialisation. Si vous ne l’avez pas conservé, réinitialisez-le.',
        );
        return res.redirect(303, base(siret));
      }
      res.set('Cache-Control', 'no-store');
      res.render('comptes-techniques/mot-de-passe', {
        title: shown.reset ? 'Mot de passe réinitialisé' : 'Compte technique créé',
        issued: shown.issued,
        reset: shown.reset,
        accountsUrl: base(siret),
      });
    },
  );

  router.get(
    '/organisations/:siret/comptes-techniques/:id/reinitialisation',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      const account = await accountOf(deps, req, siret, id);
      const { errors } = takeFormState(req);
      res.status(errors ? 422 : 200).render('comptes-techniques/reinitialisation', {
        title: 'Réinitialiser le mot de passe',
        siret,
        account,
        confirmError: errors?.confirm,
      });
    },
  );

  router.post(
    '/organisations/:siret/comptes-techniques/:id/reinitialisation',
    requireSignedIn,
    formAction(
      async (req) => {
        const { siret, id } = paramsOf(req);
        const issued = await resetTechnicalAccountPassword(deps, req.user!, siret, id, {
          confirm: req.body?.confirm === 'oui',
        });
        const path = passwordPath(siret, id);
        keepShownOnce(deps, req, path, 'technical-account-password', {
          issued,
          reset: true,
        } satisfies ShownPassword);
        return { redirect: path };
      },
      { back: (req) => `${base(siretParam(req))}/${idParam(req, 'id')}/reinitialisation` },
    ),
  );

  router.get(
    '/organisations/:siret/comptes-techniques/:id/suppression',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      const account = await accountOf(deps, req, siret, id);
      renderConfirmation(res, {
        title: 'Supprimer le compte technique',
        heading: `Supprimer le compte technique ${account.login} ?`,
        consequences: [
          `Les appels faits avec l’identifiant ${account.login} seront refusés dès la suppression : mettez d’abord à jour le logiciel qui l’utilise.`,
          'Le compte ne pourra pas être rétabli ; il faudra en créer un nouveau, avec un autre identifiant.',
        ],
        action: `${base(siret)}/${id}/suppression`,
        confirmLabel: `Supprimer ${account.login}`,
        confirmIcon: 'fr-icon-delete-line fr-btn--icon-left',
        cancelHref: base(siret),
      });
    },
  );

  // The confirmed action: the list leads to the confirmation page above, whose button posts here.
  router.post(
    '/organisations/:siret/comptes-techniques/:id/suppression',
    requireSignedIn,
    formAction(
      async (req) => {
        const { siret, id } = paramsOf(req);
        await deleteTechnicalAccount(deps, req.user!, siret, id);
        return {
          redirect: base(siret),
          flash: {
            type: 'success',
            message: 'Le compte technique est supprimé : ses identifiants ne fonctionnent plus.',
          },
        };
      },
      { back: (req) => base(siretParam(req)) },
    ),
  );

  // A download, not a page: the PDF is the answer itself, never cached.
  router.post(
    '/organisations/:siret/comptes-techniques/:id/informations-de-connexion',
    requireSignedIn,
    async (req, res) => {
      const { siret, id } = paramsOf(req);
      const { organisation, account, password, apis } = await connectionInfoFor(
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
        apis,
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
