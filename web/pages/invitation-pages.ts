import { Router } from 'express';
import type { AppDeps } from '../../app/deps.ts';
import { requireOrganisationAccess } from '../../app/organisation-access.ts';
import {
  codeChoiceSchema,
  createInvitationCodes,
  deactivateInvitationCode,
  deactivateInvitationCodes,
  listInvitationCodes,
  redeemInvitationCode,
} from '../../app/invitations.ts';
import { notFound } from '../../domain/errors.ts';
import { canonicalId } from '../../domain/identifiers.ts';
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
import { renderConfirmation } from '../confirmation.ts';
import { retryLaterMessage } from '../errors.ts';
import { flash } from '../flash.ts';
import { formAction, keepFormState, takeFormState, takeRefusedForm } from '../form-actions.ts';
import { fieldErrorsOf, formValues } from '../forms.ts';
import { requireSignedIn } from '../page-context.ts';
import { checkedValues, idParam, siretParam } from '../path-params.ts';
import { keepShownOnce, takeShownOnce } from '../shown-once.ts';

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
const createdPath = (siret: string) => `${codesPath(siret)}/crees`;

/** The codes just created, as they cross the redirect to the page that shows them once. */
interface CreatedCodes {
  organisation: { siret: string; name: string };
  roles: OrganisationRole[];
  expiresAt: string;
  codes: string[];
}

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
      anyValid: codes.some((code) => code.status === 'valid'),
      codes: codes.map((code) => ({
        ...code,
        rolesLabel: roleLabels(code.roles),
        statusLabel: INVITATION_STATUS_LABELS[code.status],
        statusBadge: STATUS_BADGES[code.status],
        valid: code.status === 'valid',
      })),
    });
  });

  router.get('/organisations/:siret/codes-invitation/creer', requireSignedIn, async (req, res) => {
    const { organisation } = await requireOrganisationAccess(deps.db, req.user!, siretParam(req), 'admin');
    const { errors, values } = takeFormState(req);
    const rolesKept = values?.roles ? values.roles.split(',') : [];
    res.status(errors ? 422 : 200).render('codes-invitation-creer', {
      title: 'Créer des codes d’invitation',
      organisation,
      limits: INVITATION_LIMITS,
      values: values ?? { count: '1', validityDays: String(INVITATION_LIMITS.defaultValidityDays) },
      roleChoices: roleChoices(rolesKept),
      errors,
      errorCount: errors ? Object.keys(errors).length : 0,
    });
  });

  // Post/redirect/get: the codes cross the redirect sealed (web/shown-once.ts) and are shown by a GET, once; a
  // refresh neither creates more codes nor shows these again.
  router.post('/organisations/:siret/codes-invitation/creer', requireSignedIn, async (req, res, next) => {
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
      const shown: CreatedCodes = {
        organisation: created.organisation,
        roles: created.roles,
        expiresAt: created.expiresAt.toISOString(),
        codes: created.codes.map((code) => code.code),
      };
      keepShownOnce(deps, req, createdPath(siret), 'invitation-codes', shown);
      res.redirect(303, createdPath(siret));
    } catch (error) {
      const errors = fieldErrorsOf(error);
      if (!errors) return next(error);
      const back = `${codesPath(siret)}/creer`;
      keepFormState(req, back, errors, {
        ...formValues(req, ['count', 'validityDays']),
        // Role values are identifiers without commas: the ticked boxes come back ticked.
        roles: roles.filter((role) => /^[a-z_]+$/.test(role)).join(','),
      });
      res.redirect(303, back);
    }
  });

  router.get('/organisations/:siret/codes-invitation/crees', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    await requireOrganisationAccess(deps.db, req.user!, siret, 'admin');
    const created = takeShownOnce<CreatedCodes>(deps, req, 'invitation-codes');
    if (!created || created.organisation.siret !== siret) {
      flash(
        req,
        'info',
        'Les codes d’invitation ne s’affichent en entier qu’une fois, juste après leur création. Si vous ne les avez pas conservés, désactivez-les et créez-en d’autres.',
      );
      return res.redirect(303, codesPath(siret));
    }
    const validUntil = formatDateTime(created.expiresAt);
    const copyText = (codes: string[]) =>
      invitationCopyText({
        codes,
        organisationName: created.organisation.name,
        siret: created.organisation.siret,
        validUntil,
      });
    res.set('Cache-Control', 'no-store');
    res.render('codes-invitation-crees', {
      title: 'Codes d’invitation créés',
      organisation: created.organisation,
      rolesLabel: roleLabels(created.roles),
      validUntil,
      codes: created.codes.map((code) => ({ code, copyText: copyText([code]) })),
      allText: copyText(created.codes),
      several: created.codes.length > 1,
    });
  });

  /**
   * The codes chosen for deactivation: one (a row's button) or several (ticked boxes), by id. All or none, as
   * the deactivation itself: a value that names no code is not dropped (the rest would go without it), it makes
   * the whole choice unknown (404).
   */
  const chosenCodes = (source: unknown): string[] => {
    const ids = checkedValues(source, 'code')
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '')
      .map((value) => canonicalId(value));
    if (ids.some((id) => id === undefined)) throw notFound();
    return [...new Set(ids as string[])];
  };

  router.get('/organisations/:siret/codes-invitation/desactiver', requireSignedIn, async (req, res) => {
    const siret = siretParam(req);
    const ids = chosenCodes(req.query);
    const choice = codeChoiceSchema.safeParse(ids);
    if (!choice.success) {
      flash(req, 'error', choice.error.issues[0]!.message);
      return res.redirect(303, codesPath(siret));
    }
    const { organisation, codes } = await listInvitationCodes(deps, req.user!, siret);
    const chosen = codes.filter((code) => ids.includes(code.id));
    if (chosen.length < ids.length) throw notFound();
    const valid = chosen.filter((code) => code.status === 'valid');
    if (valid.length === 0) {
      flash(req, 'info', 'Ces codes d’invitation ne sont plus valables : il n’y a rien à désactiver.');
      return res.redirect(303, codesPath(siret));
    }
    const several = valid.length > 1;
    const described = valid.map(
      (code) =>
        `${code.maskedCode} (rôles : ${roleLabels(code.roles)}, valable jusqu’au ${formatDateTime(code.expiresAt)})`,
    );
    renderConfirmation(res, {
      title: several ? 'Désactiver des codes d’invitation' : 'Désactiver un code d’invitation',
      heading: several
        ? `Désactiver ${valid.length} codes d’invitation de ${organisation.name} ?`
        : `Désactiver le code d’invitation ${valid[0]!.maskedCode} ?`,
      consequences: [
        several
          ? `Ces codes ne pourront plus être utilisés pour rejoindre l’organisation : ${described.join(' ; ')}.`
          : `Ce code ne pourra plus être utilisé pour rejoindre l’organisation : ${described[0]}.`,
        'Un code désactivé ne peut pas être réactivé ; créez-en un nouveau si besoin.',
        ...(valid.length < chosen.length
          ? ['Les autres codes choisis ne sont plus valables : ils ne changent pas.']
          : []),
      ],
      action: `${codesPath(siret)}/desactiver`,
      hidden: { code: valid.map((code) => code.id).join(',') },
      confirmLabel: several ? `Désactiver les ${valid.length} codes` : 'Désactiver le code',
      confirmIcon: 'fr-icon-close-circle-line fr-btn--icon-left',
      cancelHref: codesPath(siret),
    });
  });

  // The confirmed action: the list leads to the confirmation page above, whose button posts here.
  router.post(
    '/organisations/:siret/codes-invitation/desactiver',
    requireSignedIn,
    formAction(
      async (req) => {
        const siret = siretParam(req);
        const ids = chosenCodes(req.body);
        if (ids.length === 0) throw notFound();
        const { codes } = await deactivateInvitationCodes(deps, req.user!, siret, ids);
        return {
          redirect: codesPath(siret),
          flash: {
            type: 'success',
            message:
              codes.length === 1
                ? `Le code ${codes[0]!.maskedCode} est désactivé : il ne peut plus être utilisé.`
                : `Les ${codes.length} codes sont désactivés : ils ne peuvent plus être utilisés.`,
          },
        };
      },
      // The codes are chosen in the list, one box per row: a refused choice is told above it.
      { back: (req) => codesPath(siretParam(req)), fieldErrors: 'flash' },
    ),
  );

  // The former one-code action, for a form still open in a browser: a POST is a deliberate act.
  router.post(
    '/organisations/:siret/codes-invitation/:id/desactiver',
    requireSignedIn,
    formAction(
      async (req) => {
        const siret = siretParam(req);
        const { code } = await deactivateInvitationCode(deps, req.user!, siret, idParam(req, 'id'));
        return {
          redirect: codesPath(siret),
          flash: {
            type: 'success',
            message: `Le code ${code.maskedCode} est désactivé : il ne peut plus être utilisé.`,
          },
        };
      },
      { back: (req) => codesPath(siretParam(req)) },
    ),
  );

  router.get('/invitations/utiliser', requireSignedIn, (req, res) => {
    res.render('utiliser-code-invitation', {
      title: 'Utiliser un code d’invitation',
      ...takeRefusedForm(req, res),
    });
  });

  router.post(
    '/invitations/utiliser',
    requireSignedIn,
    formAction(
      async (req) => {
        const joined = await redeemInvitationCode(
          deps,
          req.user!,
          formValues(req, ['code']),
          req.ip ?? 'unknown',
        );
        return {
          redirect: `/organisations/${joined.organisation.siret}`,
          flash: {
            type: 'success',
            message: `Vous avez rejoint ${joined.organisation.name}, avec les rôles : ${roleLabels(joined.roles)}.`,
          },
        };
      },
      {
        back: () => '/invitations/utiliser',
        fields: ['code'],
        // A refused code is told above the form (the page's alert), the code kept in its field; too many refused
        // codes answer 429 with Retry-After, like sign-in.
        refusals: (problem) => {
          if (problem.kind === 'InvitationRefused')
            return { status: 422, message: INVITATION_REFUSALS[problem.reason].message };
          if (problem.kind === 'TooManyRequests')
            return {
              status: 429,
              retryAfterSeconds: problem.retryAfterSeconds,
              message: `Trop de codes refusés. ${retryLaterMessage(problem.retryAfterSeconds)}`,
            };
          return undefined;
        },
      },
    ),
  );

  return router;
}
