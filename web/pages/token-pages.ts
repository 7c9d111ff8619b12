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
import { TOKEN_STATUS_LABELS, type TokenStatus } from '../../domain/token-status.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf } from '../forms.ts';
import { idParam } from '../path-params.ts';
import { requireSignedIn } from '../page-context.ts';

const STATUS_BADGES: Record<TokenStatus, string> = {
  active: 'fr-badge--success',
  expiring: 'fr-badge--warning',
  expired: 'fr-badge--error',
  revoked: 'fr-badge--error',
};

const HABILITATION_STATUS_LABELS = {
  active: 'Active',
  superseded: 'Remplacée',
  revoked: 'Révoquée',
} as const;

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
    statusLabel: replaced ? 'Remplacé' : TOKEN_STATUS_LABELS[token.status],
    statusBadge: replaced ? 'fr-badge--info' : STATUS_BADGES[token.status],
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
  const statusLabel = HABILITATION_STATUS_LABELS[view.habilitation.status];
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
      activeNav: 'jetons',
      habilitations: habilitations.map((view) => habilitationCard(deps, view)),
    });
  });

  router.get('/jetons/:id', requireSignedIn, async (req, res) => {
    const view = habilitationCard(deps, await viewHabilitation(deps, req.user!, tokenIdOf(req)));
    res.render('jetons/show', {
      title: `Jetons — ${view.definitionName}`,
      activeNav: 'jetons',
      view,
      graceChoices: GRACE_CHOICES,
    });
  });

  router.post('/jetons/:habilitation/:id/reveler', requireSignedIn, async (req, res) => {
    const { token } = await revealToken(deps, req.user!, tokenIdOf(req));
    // Never cached, never stored: the only time this page exists.
    res.set('Cache-Control', 'no-store');
    res.render('jetons/revele', {
      title: 'Votre jeton',
      activeNav: 'jetons',
      token,
      habilitationId: String(req.params.habilitation),
    });
  });

  router.post('/jetons/:habilitation/:id/rotation', requireSignedIn, async (req, res) => {
    const back = `/jetons/${encodeURIComponent(String(req.params.habilitation))}`;
    try {
      const { oldTokenEndsAt } = await rotateToken(deps, req.user!, tokenIdOf(req), {
        graceHours: Number(req.body?.graceHours),
      });
      flash(
        req,
        'success',
        `Un nouveau jeton a été généré : révélez-le puis enregistrez-le dans votre logiciel. L’ancien jeton cesse de fonctionner le ${formatDateTime(oldTokenEndsAt)}.`,
      );
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      flash(req, 'error', errors.graceHours ?? 'La rotation n’a pas pu être faite.');
    }
    res.redirect(back);
  });

  router.post('/jetons/:habilitation/:id/revocation', requireSignedIn, async (req, res) => {
    await revokeToken(deps, req.user!, tokenIdOf(req));
    flash(req, 'success', 'Le jeton est révoqué : les appels faits avec lui sont désormais refusés.');
    res.redirect(`/jetons/${encodeURIComponent(String(req.params.habilitation))}`);
  });

  router.post('/jetons/:habilitation/:id/renouvellement', requireSignedIn, async (req, res) => {
    const back = `/jetons/${encodeURIComponent(String(req.params.habilitation))}`;
    try {
      await renewToken(deps, req.user!, tokenIdOf(req), {
        confirmSamePurpose: req.body?.confirmSamePurpose === 'oui',
        confirmSameContacts: req.body?.confirmSameContacts === 'oui',
      });
      flash(req, 'success', 'Le jeton est renouvelé.');
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      flash(req, 'error', Object.values(errors).join(' '));
    }
    res.redirect(back);
  });

  return router;
}
