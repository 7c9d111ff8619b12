import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { viewDashboard } from '../../app/dashboard.ts';
import { listMyOrganisations, viewOrganisation } from '../../app/organisations.ts';
import type { HabilitationView, TokenView } from '../../app/tokens.ts';
import {
  MEMBERSHIP_STATUS_LABELS,
  mayWriteRequests,
  ORGANISATION_ROLE_LABELS,
} from '../../domain/organisation-roles.ts';
import { requestTitle } from '../../domain/request-form.ts';
import type { RequestState } from '../../domain/request-states.ts';
import { STAFF_ROLE_LABELS } from '../../domain/roles.ts';
import type { RequestSummary } from '../../store/requests.ts';
import { requireSignedIn } from '../page-context.ts';
import { tokenStatusBadge } from '../presenters/credential-status.ts';
import { requestStateBadge } from '../presenters/request-state.ts';

/** How many of the latest requests the dashboard lists; "Mes demandes" has them all. */
const RECENT_REQUESTS = 5;

/** What a request in this state asks of the applicant: the words of its call to action, when it asks something. */
const NEXT_STEP: Partial<Record<RequestState, { text: string; action: string }>> = {
  draft: { text: 'Brouillon à terminer puis à soumettre.', action: 'Reprendre la demande' },
  changes_requested: {
    text: 'L’instructeur ou l’instructrice vous demande des modifications.',
    action: 'Voir les modifications demandées',
  },
};

const WAITING: Partial<Record<RequestState, string>> = {
  submitted: 'En cours d’instruction : rien à faire pour le moment.',
  pending_support: 'Vérification de votre organisation par le support.',
};

/** A reason can run to 5,000 characters: the card shows its start, the request page the whole. */
const REASON_EXCERPT = 280;
const excerpt = (text: string) =>
  text.length <= REASON_EXCERPT ? text : `${text.slice(0, REASON_EXCERPT).trimEnd()}…`;

function requestRow(deps: AppDeps, request: RequestSummary, changeReason: string | undefined) {
  return {
    id: request.id,
    title: requestTitle(request.data),
    definitionName: deps.definitions.find(request.definition)?.name ?? request.definition,
    organisationName: request.organisation.name,
    state: requestStateBadge(request.state),
    nextStep: NEXT_STEP[request.state],
    changeReason: changeReason && excerpt(changeReason),
    waiting: WAITING[request.state],
    changedAt: request.decidedAt ?? request.submittedAt ?? request.editedAt,
  };
}

/** The token that stands for a habilitation: the one not replaced by a rotation, else the newest. */
function currentToken(view: HabilitationView): TokenView | undefined {
  return view.tokens.find((token) => token.rotatedTo === null) ?? view.tokens.at(-1);
}

function habilitationRow(view: HabilitationView) {
  const token = view.usesTokens ? currentToken(view) : undefined;
  const revoked = view.habilitation.status === 'revoked';
  return {
    id: view.habilitation.id,
    definitionName: view.definitionName,
    organisationName: view.organisation.name,
    validUntil: view.habilitation.validUntil,
    usesTokens: view.usesTokens,
    token: token && {
      visiblePart: token.visiblePart,
      expiresAt: token.expiresAt,
      status: revoked ? 'revoked' : token.status,
      badge: tokenStatusBadge(revoked ? 'revoked' : token.status),
    },
    revoked,
  };
}

export function dashboardPage(deps: AppDeps): Router {
  const router = Router();
  router.get('/tableau-de-bord', requireSignedIn, async (req, res) => {
    const user = req.user!;
    const [{ memberships, currentOrganisation }, dashboard] = await Promise.all([
      listMyOrganisations(deps, user),
      viewDashboard(deps, user),
    ]);
    const current = currentOrganisation && (await viewOrganisation(deps, user, currentOrganisation.siret));
    const requests = dashboard.requests.map((request) =>
      requestRow(deps, request, dashboard.changeReasons.get(request.id)),
    );
    // Superseded habilitations were replaced by a newer revision of the same request: the newer one is listed.
    const habilitations = dashboard.habilitations
      .filter((view) => view.habilitation.status !== 'superseded')
      .map(habilitationRow);
    const now = new Date();
    const tokens = habilitations.flatMap((row) => (row.token ? [{ ...row.token, habilitation: row }] : []));
    // Someone with staff roles and no organisation does not ask for access: the applicant's part is left out.
    const applicant = memberships.length > 0 || user.staffRoles.length === 0;
    res.render('tableau-de-bord', {
      title: 'Tableau de bord',
      applicant,
      // Readers and people without an organisation yet cannot start a request: no button leading to a refusal.
      mayRequest: memberships.some(
        (membership) => membership.status === 'active' && mayWriteRequests(membership.roles),
      ),
      roles: user.staffRoles.map((grant) => ({
        label: STAFF_ROLE_LABELS[grant.role],
        definition: grant.definition && (deps.definitions.find(grant.definition)?.name ?? grant.definition),
      })),
      current: current && {
        ...current,
        rolesLabel: (current.membership?.roles ?? [])
          .map((role) => ORGANISATION_ROLE_LABELS[role as keyof typeof ORGANISATION_ROLE_LABELS])
          .join(', '),
      },
      otherOrganisations: memberships.filter((membership) => !membership.current).length,
      pending: memberships
        .filter((membership) => membership.status !== 'active')
        .map((membership) => ({ ...membership, statusLabel: MEMBERSHIP_STATUS_LABELS[membership.status] })),
      toDo: requests.filter((request) => request.nextStep),
      recentRequests: requests.slice(0, RECENT_REQUESTS),
      moreRequests: Math.max(0, requests.length - RECENT_REQUESTS),
      requestCount: requests.length,
      habilitations,
      expiring: tokens.filter((token) => token.status === 'expiring'),
      expired: tokens.filter((token) => token.status === 'expired'),
      instruction: dashboard.instruction && {
        perDefinition: dashboard.instruction,
        total: dashboard.instruction.reduce((sum, entry) => sum + entry.waiting, 0),
      },
      supportQueueLength: dashboard.supportQueueLength,
      endingPasswords: dashboard.endingPasswords.map((account) => ({
        ...account,
        expired: account.passwordExpiresAt <= now,
        resetUrl: `/organisations/${account.organisation.siret}/comptes-techniques/${account.id}/reinitialisation`,
      })),
    });
  });
  return router;
}
