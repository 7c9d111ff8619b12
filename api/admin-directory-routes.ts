import { z } from 'zod';
import {
  adminHabilitationSearchSchema,
  adminSearchSchema,
  searchAllHabilitations,
  searchAllOrganisations,
  searchUserAccounts,
} from '../app/admin-directory.ts';
import {
  grantStaffRole,
  grantStaffRoleSchema,
  listStaffRoles,
  withdrawStaffRole,
} from '../app/admin-staff-roles.ts';
import type { AppDeps } from '../app/deps.ts';
import { idSchema } from '../domain/identifiers.ts';
import { ORGANISATION_ROLES } from '../domain/organisation-roles.ts';
import { STAFF_ROLES } from '../domain/roles.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';

const notAdmin = { description: 'Not a platform admin.', schema: errorSchema };

const staffGrantSchema = z.object({
  role: z.enum(STAFF_ROLES),
  definition: z
    .string()
    .nullable()
    .meta({ description: 'API definition; null: a platform role, or every API.' }),
});

const pageFields = { total: z.number().int(), page: z.number().int(), pageSize: z.number().int() };

const adminUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    status: z.enum(['pending_activation', 'active', 'disabled']),
    createdAt: z.iso.datetime(),
    lastLoginAt: z.iso.datetime().nullable(),
    organisations: z.array(
      z.object({
        siret: z.string(),
        name: z.string(),
        status: z.enum(['active', 'pending_support', 'rejected']),
        roles: z.array(z.enum(ORGANISATION_ROLES)),
      }),
    ),
    staffRoles: z.array(staffGrantSchema),
  })
  .meta({ id: 'AdminUser' });

const adminOrganisationSchema = z
  .object({
    siret: z.string(),
    name: z.string(),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    members: z.number().int().meta({ description: 'Active members.' }),
    pendingMembers: z.number().int().meta({ description: 'Memberships waiting for support.' }),
    requests: z.number().int(),
    requestsInInstruction: z.number().int().meta({ description: 'Submitted or held for support.' }),
    activeHabilitations: z.number().int(),
  })
  .meta({ id: 'AdminOrganisation' });

const adminHabilitationSchema = z
  .object({
    id: z.uuid(),
    requestId: z.uuid(),
    definition: z.string(),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    status: z.enum(['active', 'superseded', 'revoked']),
    scopes: z.array(z.string()),
    validUntil: z.iso.datetime(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AdminHabilitation' });

const staffRoleHolderSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    givenName: z.string(),
    familyName: z.string(),
    role: z.enum(STAFF_ROLES),
    definition: z.string().nullable(),
    grantedAt: z.iso.datetime(),
  })
  .meta({ id: 'StaffRoleGrant' });

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The platform admin's pages as JSON: people, organisations, habilitations, and staff roles granted or withdrawn. */
export function adminDirectoryRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/users',
      summary: 'Search user accounts',
      description:
        'Every account, 25 per page, by name or email (`q`): its state, organisations and staff roles (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      query: adminSearchSchema,
      responses: {
        200: {
          description: 'One page of accounts.',
          schema: z.object({ items: z.array(adminUserSchema), ...pageFields }),
        },
        403: notAdmin,
      },
      handler: async ({ user, query }) => {
        const page = await searchUserAccounts(deps, user, query);
        return {
          status: 200,
          body: {
            ...page,
            items: page.items.map((item) => ({
              ...item,
              createdAt: item.createdAt.toISOString(),
              lastLoginAt: iso(item.lastLoginAt),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/organisations',
      summary: 'Search organisations',
      description:
        'Every organisation, 25 per page, by name or SIRET (`q`), with its members and requests counted (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      query: adminSearchSchema,
      responses: {
        200: {
          description: 'One page of organisations.',
          schema: z.object({ items: z.array(adminOrganisationSchema), ...pageFields }),
        },
        403: notAdmin,
      },
      handler: async ({ user, query }) => {
        const page = await searchAllOrganisations(deps, user, query);
        return {
          status: 200,
          body: {
            ...page,
            items: page.items.map((item) => ({ ...item, createdAt: item.createdAt.toISOString() })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/habilitations',
      summary: 'Search habilitations',
      description:
        'Every habilitation, newest first, 25 per page, by organisation name or SIRET (`q`), API (`definition`) and state (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      query: adminHabilitationSearchSchema,
      responses: {
        200: {
          description: 'One page of habilitations.',
          schema: z.object({ items: z.array(adminHabilitationSchema), ...pageFields }),
        },
        403: notAdmin,
      },
      handler: async ({ user, query }) => {
        const page = await searchAllHabilitations(deps, user, query);
        return {
          status: 200,
          body: {
            ...page,
            items: page.items.map((item) => ({
              ...item,
              validUntil: item.validUntil.toISOString(),
              createdAt: item.createdAt.toISOString(),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/staff-roles',
      summary: 'Staff roles',
      description:
        'Every staff role held on the platform and who holds it: instructors, reporters and developers per API, support and admins (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      responses: {
        200: { description: 'The grants.', schema: z.object({ items: z.array(staffRoleHolderSchema) }) },
        403: notAdmin,
      },
      handler: async ({ user }) => ({
        status: 200,
        body: {
          items: (await listStaffRoles(deps, user)).map((grant) => ({
            userId: grant.userId,
            email: grant.email,
            givenName: grant.givenName,
            familyName: grant.familyName,
            role: grant.role,
            definition: grant.definition,
            grantedAt: grant.grantedAt.toISOString(),
          })),
        },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/staff-roles',
      summary: 'Grant a staff role',
      description:
        'Gives the account using `email` a staff role: `instructeur`, `rapporteur` or `developpeur` of an API (`definition` required), or `support` or `admin` (no `definition`). 201 when granted, 200 when the person already held it (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      body: grantStaffRoleSchema,
      responses: {
        200: {
          description: 'Already held: nothing changed.',
          schema: z.object({ userId: z.uuid(), granted: z.boolean() }),
        },
        201: { description: 'Granted.', schema: z.object({ userId: z.uuid(), granted: z.boolean() }) },
        403: notAdmin,
        422: {
          description: 'No active account with this address, or the API does not fit the role.',
          schema: errorSchema,
        },
      },
      handler: async ({ user, body }) => {
        const result = await grantStaffRole(deps, user, body);
        return { status: result.granted ? 201 : 200, body: result };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/users/:id/staff-roles',
      summary: 'Withdraw a staff role',
      description:
        'Withdraws the staff role `role` (of the API `definition`, if it names one) from the account. `withdrawn: false` when it was not held. An admin cannot withdraw their own admin role: 409 (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      params: z.object({ id: idSchema }),
      query: z.object({
        role: z.enum(STAFF_ROLES, { error: `Rôle inconnu ; valeurs possibles : ${STAFF_ROLES.join(', ')}.` }),
        definition: z.string().max(64, 'Identifiant d’API trop long.').optional(),
      }),
      responses: {
        200: { description: 'Withdrawn, or not held.', schema: z.object({ withdrawn: z.boolean() }) },
        403: notAdmin,
        409: { description: 'The admin’s own admin role.', schema: errorSchema },
        422: { description: 'The API does not fit the role, or does not exist.', schema: errorSchema },
      },
      handler: async ({ user, params, query }) => ({
        status: 200,
        body: await withdrawStaffRole(deps, user, { userId: params.id, ...query }),
      }),
    }),
  ];
}
