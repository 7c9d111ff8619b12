import { Router, type Response } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { requireOrganisationAccess } from '../../app/organisation-access.ts';
import {
  createInvitationCodes,
  deactivateInvitationCode,
  listInvitationCodes,
  redeemInvitationCode,
} from '../../app/invitations.ts';
import { AppError } from '../../domain/errors.ts';
import { formatDateTime } from '../../domain/french-format.ts';
import {
  INVITATION_LIMITS,
  INVITATION_REFUSALS,
  INVITATION_STATUS_LABELS,
  INVITATION_STATUSES,
  invitationCopyText,
  type InvitationStatus,
} from '../../domain/invitation-codes.ts';
import { ORGANISATION_ROLE_LABELS, type OrganisationRole } from '../../domain/organisation-roles.ts';
import { GRANTABLE_ROLES } from '../../domain/role-rules.ts';
import { retryLaterMessage } from '../errors.ts';
import { flash } from '../flash.ts';
import { fieldErrorsOf, formValues } from '../forms.ts';
import { requireSignedIn } from '../page-context.ts';
import { checkedValues, idParam, siretParam } from '../path-params.ts';

const STATUS_BADGES: Record<InvitationStatus, string> = {
  valid: 'success',
  used: 'info',
  expired: 'warning',
  deactivated: 'error',
};

export const ROLE_HINTS: Record<(typeof GRANTABLE_ROLES)[number], string> = {
  administrateur: 'Invite des membres, gère leurs rôles et les codes d’invitation.',
  demandeur: 'Rédige et dépose les demandes d’accès de l’organisation.',
  lecteur:
    'Consulte les demandes et les accès de l’organisation, sans rien modifier. Rôle exclusif : il ne se combine avec aucun autre.',
};

const roleLabels = (roles: readonly OrganisationRole[]) =>
  roles.map((role) => ORGANISATION_ROLE_LABELS[role]).join(', ');

const codesPath = (siret: string) => `/organisations/${siret}/codes-invitation`;

function roleChoices(checked: readonly string[]) {
  return GRANTABLE_ROLES.map((role) => ({
    value: role,
    label: ORGANISATION_ROLE_LABELS[role],
    hint: ROLE_HINTS[role],
    checked: checked.includes(role),
  }));
}

export function invitationPages(deps: AppDeps): Router {
  const router = Router();

  router.get('/organisations/:siret/codes-invitation', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const status = INVITATION_STATUSES.find((candidate) => candidate === req.query.status);
    const { organisation, codes } = await listInvitationCodes(deps, req.user!, siret, { status });
    res.render('codes-invitation', {
      title: 'Codes d’invitation',
      organisation,
      statuses: INVITATION_STATUSES.map((value) => ({
        value,
        label: INVITATION_STATUS_LABELS[value],
        selected: value === status,
      })),
      filtered: status !== undefined,
      codes: codes.map((code) => ({
        ...code,
        rolesLabel: roleLabels(code.roles),
        statusLabel: INVITATION_STATUS_LABELS[code.status],
        statusBadge: STATUS_BADGES[code.status],
        valid: code.status === 'valid',
      })),
    });
  });

  const renderCreationForm = (
    res: Response,
    organisation: { siret: string; name: string },
    extra: Record<string, unknown> = {},
  ) =>
    res.render('codes-invitation-creer', {
      title: 'Créer des codes d’invitation',
      organisation,
      limits: INVITATION_LIMITS,
      values: { count: '1', validityDays: String(INVITATION_LIMITS.defaultValidityDays) },
      roleChoices: roleChoices([]),
      ...extra,
    });

  router.get('/organisations/:siret/codes-invitation/creer', requireSignedIn, async (req, res) => {
    const { organisation } = await requireOrganisationAccess(deps.db, req.user!, siretParam(req), 'admin');
    renderCreationForm(res, organisation);
  });

  router.post('/organisations/:siret/codes-invitation/creer', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const roles = checkedValues(req.body, 'roles');
    const number = (field: string) => {
      const text = formValues(req, [field])[field]!.trim();
      return text === '' ? Number.NaN : Number(text);
    };
    try {
      const created = await createInvitationCodes(deps, req.user!, siret, {
        count: number('count'),
        validityDays: number('validityDays'),
        roles,
      });
      const validUntil = formatDateTime(created.expiresAt);
      const copyText = (codes: string[]) =>
        invitationCopyText({
          codes,
          organisationName: created.organisation.name,
          siret: created.organisation.siret,
          validUntil,
        });
      // Shown in this answer only, never kept in the session: refreshing does not show them again.
      res.set('Cache-Control', 'no-store');
      res.status(201).render('codes-invitation-crees', {
        title: 'Codes d’invitation créés',
        organisation: created.organisation,
        rolesLabel: roleLabels(created.roles),
        validUntil,
        codes: created.codes.map((code) => ({ code: code.code, copyText: copyText([code.code]) })),
        allText: copyText(created.codes.map((code) => code.code)),
        several: created.codes.length > 1,
      });
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) throw error;
      const { organisation } = await requireOrganisationAccess(deps.db, req.user!, siret, 'admin');
      res.status(422);
      renderCreationForm(res, organisation, {
        values: formValues(req, ['count', 'validityDays']),
        roleChoices: roleChoices(roles),
        errors,
        errorCount: Object.keys(errors).length,
      });
    }
  });

  router.post('/organisations/:siret/codes-invitation/:id/desactiver', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    try {
      const { code } = await deactivateInvitationCode(deps, req.user!, siret, idParam(req, 'id'));
      flash(req, 'success', `Le code ${code.maskedCode} est désactivé : il ne peut plus être utilisé.`);
    } catch (error) {
      if (!(error instanceof AppError && error.problem.kind === 'Conflict')) throw error;
      flash(req, 'error', error.problem.message);
    }
    res.redirect(codesPath(siret));
  });

  const renderRedeem = (res: Response, status: number, extra: Record<string, unknown> = {}) =>
    res.status(status).render('utiliser-code-invitation', {
      title: 'Utiliser un code d’invitation',
      activeNav: 'invitation',
      ...extra,
    });

  router.get('/invitations/utiliser', requireSignedIn, (_req, res) => renderRedeem(res, 200));

  router.post('/invitations/utiliser', requireSignedIn, async (req, res) => {
    const values = formValues(req, ['code']);
    try {
      const joined = await redeemInvitationCode(deps, req.user!, values, req.ip ?? 'unknown');
      flash(
        req,
        'success',
        `Vous avez rejoint ${joined.organisation.name}, avec les rôles : ${roleLabels(joined.roles)}.`,
      );
      return res.redirect(`/organisations/${joined.organisation.siret}`);
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (errors) return renderRedeem(res, 422, { values, errors });
      if (!(error instanceof AppError)) throw error;
      const { problem } = error;
      if (problem.kind === 'InvitationRefused') {
        const { status, message } = INVITATION_REFUSALS[problem.reason];
        return renderRedeem(res, status, { values, refusal: message });
      }
      if (problem.kind === 'TooManyRequests') {
        res.set('Retry-After', String(problem.retryAfterSeconds));
        return renderRedeem(res, 429, {
          values,
          refusal: `Trop de codes refusés. ${retryLaterMessage(problem.retryAfterSeconds)}`,
        });
      }
      throw error;
    }
  });

  return router;
}
