import { Router, type Request } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import {
  listMyHabilitations,
  renewToken,
  revealToken,
  revokeToken,
  rotateToken,
  viewHabilitation,
  type HabilitationView,
  type TokenView,
} from '../../app/tokens.ts';
import { scopeLabel } from '../../domain/definitions.ts';
import { formatDateTime } from '../../domain/french-format.ts';
import { theApi } from '../../domain/api-name.ts';
import { notFound } from '../../domain/errors.ts';
import { renderConfirmation } from '../confirmation.ts';
import { flash } from '../flash.ts';
import { formAction } from '../form-actions.ts';
import { idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';
import { lastUseDelayText } from '../presenters/last-use.ts';
import { HABILITATION_STATUS_BADGES, tokenStatusBadge } from '../presenters/credential-status.ts';
import { keepShownOnce, takeShownOnce } from '../shown-once.ts';

/** Grace periods offered by the rotation form (the API accepts any whole number of hours from 0 to 168). */
const GRACE_CHOICES = [
  { hours: 0, label: 'Aucune : l’ancien jeton cesse immédiatement' },
  { hours: 1, label: '1 heure' },
  { hours: 24, label: '24 heures', selected: true },
  { hours: 72, label: '3 jours' },
  { hours: 168, label: '7 jours' },
];

/** The scopes as people read them, in the definition's words. */
function scopesLabel(deps: AppDeps, definitionSlug: string, scopes: readonly string[]): string {
  const definition = deps.definitions.find(definitionSlug);
  return scopes.map((id) => (definition ? scopeLabel(definition, id) : id)).join(', ');
}

function tokenRow(deps: AppDeps, definitionSlug: string, token: TokenView, canAct: boolean) {
  // A rotated token keeps working until the end of its grace period: still usable, but no longer the current one.
  const replaced = token.retiresAt !== null && (token.status === 'active' || token.status === 'expiring');
  return {
    ...token,
    badge: tokenStatusBadge(token.status, replaced),
    replacedUntil: replaced ? token.retiresAt : undefined,
    canReveal: canAct && token.revealableUntil !== null,
    canRotate: canAct && token.usable && token.retiresAt === null,
    canRevoke: token.revokedAt === null && token.status !== 'revoked',
    canRenew: canAct && token.renewable,
    scopesLabel: scopesLabel(deps, definitionSlug, token.scopes),
  };
}

function habilitationCard(deps: AppDeps, view: HabilitationView) {
  const canAct = view.access === 'act';
  const canRevoke = view.access === 'act' || view.access === 'instruct';
  const statusLabel = HABILITATION_STATUS_BADGES[view.habilitation.status].label;
  return {
    ...view,
    canAct,
    canRevoke,
    statusLabel,
    statusText: statusLabel.toLowerCase(),
    scopesLabel: scopesLabel(deps, view.habilitation.definition, view.habilitation.scopes),
    tokens: view.tokens.map((token) => {
      const row = tokenRow(deps, view.habilitation.definition, token, canAct);
      return { ...row, revocable: row.canRevoke && canRevoke };
    }),
  };
}

const tokenIdOf = (req: Request) => idParam(req, 'id');

export function tokenPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/jetons', requireSignedIn, async (req, res) => {
    const habilitations = (await listMyHabilitations(deps, req.user!)).filter((view) => view.usesTokens);
    res.render('jetons/index', {
      title: 'Jetons',
      habilitations: habilitations.map((view) => habilitationCard(deps, view)),
    });
  });

  router.get('/jetons/:id', requireSignedIn, async (req, res) => {
    const view = habilitationCard(deps, await viewHabilitation(deps, req.user!, tokenIdOf(req)));
    res.render('jetons/show', {
      title: `Jetons — ${view.definitionName}`,
      view,
      graceChoices: GRACE_CHOICES,
      lastUseDelay: lastUseDelayText(deps.credentials.settings.lastUsedFlushIntervalMs),
    });
  });

  const habilitationPath = (req: Request) => `/jetons/${idParam(req, 'habilitation')}`;
  const revealedPath = (req: Request) => `${habilitationPath(req)}/${tokenIdOf(req)}/revele`;

  // Post/redirect/get: the reveal takes the secret (once), which crosses the redirect sealed; the page showing it
  // answers a GET, and a refresh finds nothing left to show instead of a "déjà affiché" error.
  router.post(
    '/jetons/:habilitation/:id/reveler',
    requireSignedIn,
    formAction(
      async (req) => {
        const { token } = await revealToken(deps, req.user!, tokenIdOf(req));
        keepShownOnce(deps, req, revealedPath(req), 'token', token);
        return { redirect: revealedPath(req) };
      },
      { back: habilitationPath },
    ),
  );

  router.get('/jetons/:habilitation/:id/revele', requireSignedIn, async (req, res) => {
    const view = await viewHabilitation(deps, req.user!, idParam(req, 'habilitation'));
    const token = takeShownOnce<string>(deps, req, 'token');
    if (token === undefined || !view.tokens.some((candidate) => candidate.id === tokenIdOf(req))) {
      flash(
        req,
        'info',
        'Un jeton ne s’affiche qu’une fois. Si vous ne l’avez pas enregistré, générez-en un nouveau (rotation).',
      );
      return res.redirect(303, habilitationPath(req));
    }
    // Never cached: the only time this page exists.
    res.set('Cache-Control', 'no-store');
    res.render('jetons/revele', {
      title: 'Votre jeton',
      token,
      habilitationId: view.habilitation.id,
    });
  });

  router.post(
    '/jetons/:habilitation/:id/rotation',
    requireSignedIn,
    formAction(
      async (req) => {
        const { oldTokenEndsAt } = await rotateToken(deps, req.user!, tokenIdOf(req), {
          // Left out or empty, the grace is the default (24 hours), not zero as Number('') would make it.
          graceHours:
            req.body?.graceHours === undefined || req.body.graceHours === ''
              ? undefined
              : Number(req.body.graceHours),
        });
        return {
          redirect: habilitationPath(req),
          flash: {
            type: 'success',
            message: `Un nouveau jeton remplace l’ancien : révélez-le puis enregistrez-le dans votre logiciel. L’ancien jeton cesse de fonctionner le ${formatDateTime(oldTokenEndsAt)}.`,
          },
        };
      },
      { back: habilitationPath, fieldErrors: 'flash' },
    ),
  );

  router.get('/jetons/:habilitation/:id/revocation', requireSignedIn, async (req, res) => {
    const view = habilitationCard(
      deps,
      await viewHabilitation(deps, req.user!, idParam(req, 'habilitation')),
    );
    const token = view.tokens.find((candidate) => candidate.id === tokenIdOf(req));
    if (!token) throw notFound();
    if (!token.revocable) {
      flash(
        req,
        'info',
        'Ce jeton ne peut pas être révoqué : il l’est déjà, ou votre rôle ne le permet pas.',
      );
      return res.redirect(303, habilitationPath(req));
    }
    renderConfirmation(res, {
      title: 'Révoquer le jeton',
      heading: `Révoquer le jeton ${token.visiblePart}… de ${theApi(view.definitionName)} ?`,
      consequences: [
        `Les appels faits avec ce jeton pour ${view.organisation.name} seront refusés dès la révocation, sans période de transition.`,
        'Un jeton révoqué ne peut pas être rétabli. Pour continuer à appeler l’API sans interruption, générez plutôt un nouveau jeton (rotation) et installez-le avant que l’ancien ne cesse.',
      ],
      action: `${habilitationPath(req)}/${token.id}/revocation`,
      confirmLabel: 'Révoquer le jeton',
      confirmIcon: 'fr-icon-close-circle-line fr-btn--icon-left',
      cancelHref: habilitationPath(req),
    });
  });

  // The confirmed action: the token's page leads to the confirmation page above, whose button posts here.
  router.post(
    '/jetons/:habilitation/:id/revocation',
    requireSignedIn,
    formAction(
      async (req) => {
        await revokeToken(deps, req.user!, tokenIdOf(req));
        return {
          redirect: habilitationPath(req),
          flash: {
            type: 'success',
            message: 'Le jeton est révoqué : les appels faits avec lui sont désormais refusés.',
          },
        };
      },
      { back: habilitationPath },
    ),
  );

  router.post(
    '/jetons/:habilitation/:id/renouvellement',
    requireSignedIn,
    formAction(
      async (req) => {
        const { expiresAt } = await renewToken(deps, req.user!, tokenIdOf(req), {
          confirmSamePurpose: req.body?.confirmSamePurpose === 'oui',
          confirmSameContacts: req.body?.confirmSameContacts === 'oui',
        });
        return {
          redirect: habilitationPath(req),
          flash: {
            type: 'success',
            message: `Le jeton est renouvelé : il reste le même et fonctionne désormais jusqu’au ${formatDateTime(expiresAt)}.`,
          },
        };
      },
      { back: habilitationPath, fieldErrors: 'flash' },
    ),
  );

  return router;
}
