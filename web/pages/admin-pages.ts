import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  adminHabilitationSearchSchema,
  adminSearchSchema,
  searchAllHabilitations,
  searchAllOrganisations,
  searchUserAccounts,
  type AdminPage,
} from '../../app/admin-directory.ts';
import {
  grantStaffRole,
  listStaffRoles,
  withdrawStaffRole,
  withdrawStaffRoleSchema,
} from '../../app/admin-staff-roles.ts';
import { requireStaffRole } from '../../app/authorization.ts';
import type { AppDeps } from '../../app/deps.ts';
import { parseInput } from '../../app/validation.ts';
import { getMailOverview } from '../../app/mail-overview.ts';
import { sendTestEmail } from '../../app/send-test-email.ts';
import { scopeLabel } from '../../domain/definitions.ts';
import { emailAddressSchema } from '../../domain/email-address.ts';
import { notFound } from '../../domain/errors.ts';
import { MEMBERSHIP_STATUS_LABELS, ORGANISATION_ROLE_LABELS } from '../../domain/organisation-roles.ts';
import {
  DEFINITION_ROLES,
  PLATFORM_ROLES,
  PROVIDER_ROLES,
  STAFF_ROLE_LABELS,
  type StaffRole,
} from '../../domain/roles.ts';
import type { StaffGrantRow } from '../../store/admin-staff-roles.ts';
import { renderConfirmation } from '../confirmation.ts';
import { formAction, takeFormState } from '../form-actions.ts';
import { formErrors } from '../forms.ts';
import { requireSignedIn } from '../page-context.ts';
import { HABILITATION_STATUS_BADGES } from '../presenters/credential-status.ts';
import { personName } from '../presenters/people.ts';

const testEmailForm = z.object({
  to: z
    .string({ error: 'Saisissez l’adresse du destinataire.' })
    .min(1, 'Saisissez l’adresse du destinataire.')
    .pipe(emailAddressSchema),
});

const ACCOUNT_STATUS = {
  active: { label: 'Actif', badge: 'fr-badge--success' },
  pending_activation: { label: 'En attente d’activation', badge: 'fr-badge--new' },
  disabled: { label: 'Désactivé', badge: 'fr-badge--error' },
} as const;

/** The side menu shared by the administration pages. */
const SECTIONS = [
  { key: 'utilisateurs', label: 'Utilisateurs', href: '/admin/utilisateurs' },
  { key: 'organisations', label: 'Organisations', href: '/admin/organisations' },
  { key: 'habilitations', label: 'Habilitations', href: '/admin/habilitations' },
  { key: 'roles', label: 'Rôles de l’équipe', href: '/admin/roles' },
  { key: 'courriels', label: 'Courriels', href: '/admin' },
];

const menu = (current: string) =>
  SECTIONS.map((section) => ({ ...section, current: section.key === current }));

/** The query as it came, kept for the search field and the page links (never a 500 on an odd value). */
function queryValues(req: Request, keys: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keys) {
    const value = req.query[key];
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

/** Previous and next links of a paged list, keeping the search. */
function pagination<T>(path: string, result: AdminPage<T>, values: Record<string, string>) {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const link = (page: number) => {
    const params = new URLSearchParams({ ...values, page: String(page) });
    return `${path}?${params.toString()}`;
  };
  return {
    page: result.page,
    pages,
    total: result.total,
    several: pages > 1,
    previous: result.page > 1 ? link(Math.min(result.page - 1, pages)) : undefined,
    next: result.page < pages ? link(result.page + 1) : undefined,
  };
}

/**
 * A search page: a query the schema refuses (too long, a control character, page "abc") shows the form with the
 * error and no results rather than an error page.
 */
async function searchOrError<T>(
  schema: z.ZodType,
  req: Request,
  search: () => Promise<AdminPage<T>>,
): Promise<{ result?: AdminPage<T>; errors?: Record<string, string> }> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) return { errors: formErrors(parsed.error) };
  return { result: await search() };
}

function roleLabel(deps: AppDeps, role: StaffRole, definition: string | null): string {
  const label = STAFF_ROLE_LABELS[role];
  if (definition === null)
    return (DEFINITION_ROLES as readonly string[]).includes(role) ? `${label} — toutes les API` : label;
  return `${label} — ${deps.definitions.find(definition)?.name ?? definition}`;
}

function withdrawalHref(grant: { userId: string; role: StaffRole; definition: string | null }) {
  const params = new URLSearchParams({ personne: grant.userId, role: grant.role });
  if (grant.definition) params.set('api', grant.definition);
  return `/admin/roles/retrait?${params.toString()}`;
}

const holderOf = (grant: StaffGrantRow) => ({
  name: personName(grant),
  email: grant.email,
  inactive: grant.userStatus !== 'active',
  withdrawHref: withdrawalHref(grant) as string | undefined,
  everyDefinition: false,
});

/** The roles page's headings: what each group of people does, rather than a title in the masculine. */
const ROLE_HEADINGS: Record<StaffRole, string> = {
  instructeur: 'Instruction',
  rapporteur: 'Avis (rapport)',
  developpeur: 'Développement (fournisseur de l’API)',
  admin: 'Administration de la plateforme',
  support: 'Support',
};

export function adminPages(deps: AppDeps, options: { smtp: boolean }): Router {
  const router = Router();

  // Every page here is the platform admin's: to anyone else, the same refusal as the email page has always given.
  router.use('/admin', requireSignedIn, (req, _res, next) => {
    requireStaffRole(req.user!, 'admin');
    next();
  });

  const renderAdmin = async (req: Request, extra: Record<string, unknown> = {}) => ({
    title: 'Administration — courriels',
    menu: menu('courriels'),
    smtp: options.smtp,
    overview: await getMailOverview(deps, req.user!),
    values: { to: req.user!.email },
    ...extra,
  });

  router.get('/admin', async (req, res) => {
    const { errors, values } = takeFormState(req);
    res.status(errors ? 422 : 200).render('admin', await renderAdmin(req, errors ? { errors, values } : {}));
  });

  router.post(
    '/admin/courriel-de-test',
    formAction(
      async (req) => {
        const form = parseInput(testEmailForm, req.body ?? {});
        await sendTestEmail(deps, req.user!, { to: form.to });
        return {
          redirect: '/admin',
          flash: {
            type: 'success',
            message: `Le courriel de test a été mis en file d’envoi pour ${form.to}.`,
          },
        };
      },
      { back: () => '/admin', fields: ['to'] },
    ),
  );

  router.get('/admin/utilisateurs', async (req, res) => {
    const values = queryValues(req, ['q']);
    const { result, errors } = await searchOrError(adminSearchSchema, req, () =>
      searchUserAccounts(deps, req.user!, req.query),
    );
    res.render('admin/utilisateurs', {
      title: 'Administration — utilisateurs',
      menu: menu('utilisateurs'),
      values,
      errors,
      users: result?.items.map((user) => ({
        ...user,
        name: personName(user),
        status: ACCOUNT_STATUS[user.status],
        organisations: user.organisations.map((membership) => ({
          ...membership,
          rolesLabel: membership.roles.map((role) => ORGANISATION_ROLE_LABELS[role] ?? role).join(', '),
          statusLabel:
            membership.status === 'active' ? undefined : MEMBERSHIP_STATUS_LABELS[membership.status],
        })),
        staffRoles: user.staffRoles.map((grant) => roleLabel(deps, grant.role, grant.definition)),
      })),
      pagination: result && pagination('/admin/utilisateurs', result, values),
    });
  });

  router.get('/admin/organisations', async (req, res) => {
    const values = queryValues(req, ['q']);
    const { result, errors } = await searchOrError(adminSearchSchema, req, () =>
      searchAllOrganisations(deps, req.user!, req.query),
    );
    res.render('admin/organisations', {
      title: 'Administration — organisations',
      menu: menu('organisations'),
      values,
      errors,
      organisations: result?.items,
      pagination: result && pagination('/admin/organisations', result, values),
    });
  });

  router.get('/admin/habilitations', async (req, res) => {
    const values = queryValues(req, ['q', 'definition', 'status']);
    const { result, errors } = await searchOrError(adminHabilitationSearchSchema, req, () =>
      searchAllHabilitations(deps, req.user!, req.query),
    );
    res.render('admin/habilitations', {
      title: 'Administration — habilitations',
      menu: menu('habilitations'),
      values,
      errors,
      definitions: deps.definitions
        .list()
        .map((definition) => ({ ...definition, selected: definition.slug === values.definition })),
      statuses: Object.entries(HABILITATION_STATUS_BADGES).map(([value, { label }]) => ({
        value,
        label,
        selected: value === values.status,
      })),
      habilitations: result?.items.map((habilitation) => {
        const definition = deps.definitions.find(habilitation.definition);
        return {
          ...habilitation,
          definitionName: definition?.name ?? habilitation.definition,
          scopesLabel: habilitation.scopes
            .map((id) => (definition ? scopeLabel(definition, id) : id))
            .join(', '),
          status: HABILITATION_STATUS_BADGES[habilitation.status],
          expired: habilitation.status === 'active' && habilitation.validUntil <= new Date(),
        };
      }),
      pagination: result && pagination('/admin/habilitations', result, values),
    });
  });

  router.get('/admin/roles', async (req, res) => {
    const grants = await listStaffRoles(deps, req.user!);
    const { errors, values } = takeFormState(req);
    const holders = (role: StaffRole, definition: string | null) =>
      grants.filter((grant) => grant.role === role && grant.definition === definition).map(holderOf);
    const perDefinitionRoles = [...DEFINITION_ROLES, ...PROVIDER_ROLES];
    res.render('admin/roles', {
      title: 'Administration — rôles de l’équipe',
      menu: menu('roles'),
      errors,
      values: values ?? {},
      roleChoices: [...perDefinitionRoles, ...PLATFORM_ROLES].map((role) => ({
        value: role,
        label: STAFF_ROLE_LABELS[role],
        selected: values?.role === role,
      })),
      definitionChoices: deps.definitions.list().map((definition) => ({
        value: definition.slug,
        label: definition.name,
        selected: values?.definition === definition.slug,
      })),
      definitions: deps.definitions.list().map((definition) => ({
        slug: definition.slug,
        name: definition.name,
        roles: perDefinitionRoles.map((role) => ({
          heading: ROLE_HEADINGS[role],
          label: STAFF_ROLE_LABELS[role],
          // Those who hold the role on every API work on this one too: named, withdrawn from "Toutes les API".
          holders: [
            ...holders(role, definition.slug),
            ...holders(role, null).map((holder) => ({
              ...holder,
              everyDefinition: true,
              withdrawHref: undefined,
            })),
          ],
        })),
      })),
      everyDefinition: DEFINITION_ROLES.map((role) => ({
        heading: ROLE_HEADINGS[role],
        label: STAFF_ROLE_LABELS[role],
        holders: holders(role, null),
      })).filter((entry) => entry.holders.length > 0),
      platformRoles: PLATFORM_ROLES.map((role) => ({
        heading: ROLE_HEADINGS[role],
        label: STAFF_ROLE_LABELS[role],
        holders: holders(role, null).map((holder) => ({
          ...holder,
          // An admin cannot withdraw their own admin role (app/admin-staff-roles.ts): no button for it.
          withdrawHref:
            role === 'admin' && holder.email === req.user!.email ? undefined : holder.withdrawHref,
        })),
      })),
    });
  });

  router.post(
    '/admin/roles',
    formAction(
      async (req) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const { granted } = await grantStaffRole(deps, req.user!, body);
        const label = roleLabel(
          deps,
          body.role as StaffRole,
          typeof body.definition === 'string' && body.definition !== '' ? body.definition : null,
        );
        const email = String(body.email).trim();
        return {
          redirect: '/admin/roles',
          flash: granted
            ? { type: 'success', message: `${email} a désormais le rôle « ${label} ».` }
            : { type: 'info', message: `${email} avait déjà le rôle « ${label} » : rien n’a changé.` },
        };
      },
      { back: () => '/admin/roles', fields: ['email', 'role', 'definition'] },
    ),
  );

  /** The grant named by the withdrawal page's query or form, or a 404 for anything that does not name one. */
  const withdrawalOf = async (req: Request, source: Record<string, unknown>) => {
    const parsed = withdrawStaffRoleSchema.safeParse({
      userId: source.personne,
      role: source.role,
      definition: source.api,
    });
    if (!parsed.success) throw notFound();
    const { userId, role, definition } = parsed.data;
    const grant = (await listStaffRoles(deps, req.user!)).find(
      (row) => row.userId === userId && row.role === role && row.definition === (definition || null),
    );
    return { userId, role, definition: definition || null, grant };
  };

  router.get('/admin/roles/retrait', async (req, res) => {
    const { userId, role, definition, grant } = await withdrawalOf(req, req.query);
    if (!grant) throw notFound();
    const label = roleLabel(deps, role, definition);
    const name = personName(grant);
    renderConfirmation(res, {
      title: 'Retirer un rôle',
      heading: `Retirer à ${name} le rôle « ${label} » ?`,
      consequences: [
        `${name} (${grant.email}) perd ce rôle dès sa prochaine action sur Sésame.`,
        'Pour le lui rendre, il faudra le lui attribuer à nouveau.',
      ],
      action: '/admin/roles/retrait',
      confirmLabel: 'Retirer le rôle',
      confirmIcon: 'fr-icon-delete-line fr-btn--icon-left',
      cancelHref: '/admin/roles',
      hidden: { personne: userId, role, ...(definition ? { api: definition } : {}) },
    });
  });

  router.post(
    '/admin/roles/retrait',
    formAction(
      async (req) => {
        const { userId, role, definition, grant } = await withdrawalOf(req, req.body ?? {});
        const { withdrawn } = await withdrawStaffRole(deps, req.user!, {
          userId,
          role,
          definition: definition ?? undefined,
        });
        const label = roleLabel(deps, role, definition);
        return {
          redirect: '/admin/roles',
          flash:
            withdrawn && grant
              ? { type: 'success', message: `${personName(grant)} n’a plus le rôle « ${label} ».` }
              : { type: 'info', message: `Ce rôle avait déjà été retiré : rien n’a changé.` },
        };
      },
      { back: () => '/admin/roles' },
    ),
  );

  return router;
}
