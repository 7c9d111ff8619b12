import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  switchCurrentOrganisation,
  switchOrganisationSchema,
  viewOrganisation,
} from '../app/organisations.ts';
import { decideMembership, approveSchema, listSupportQueue, rejectSchema } from '../app/support.ts';
import { ORGANISATION_ROLES } from '../domain/organisation-roles.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';
import { idSchema } from '../domain/identifiers.ts';

const organisationSchema = z
  .object({
    siret: z.string(),
    siren: z.string(),
    name: z.string(),
    legalCategory: z.string(),
    legalCategoryLabel: z.string(),
    activity: z.string().nullable(),
    address: z.string(),
    active: z.boolean(),
    directoryCheckedAt: z.iso.datetime(),
    eligibility: z.object({
      status: z.enum(['eligible', 'to_review']),
      reason: z.string(),
    }),
    membership: z.object({ roles: z.array(z.enum(ORGANISATION_ROLES)), status: z.string() }).nullable(),
  })
  .meta({ id: 'Organisation' });

const pendingMembershipSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    reason: z.string().nullable(),
    user: z.object({ id: z.uuid(), email: z.string(), givenName: z.string(), familyName: z.string() }),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    memberDomains: z
      .array(z.string())
      .meta({ description: 'Email domains of the organisation’s active members.' }),
  })
  .meta({ id: 'PendingMembership' });

const siretParams = z.object({ siret: z.string().regex(/^\d{14}$/) });
const membershipParams = z.object({ id: idSchema });
const decisionSchema = z.object({
  status: z.enum(['active', 'rejected']),
  roles: z.array(z.enum(ORGANISATION_ROLES)),
});

export function organisationRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'put',
      path: '/me/current-organisation',
      summary: 'Switch the current organisation',
      description: 'Among the organisations where the person is an active member.',
      tags: ['Organisations'],
      auth: 'session',
      access: ACCESS.organisationMembers,
      body: switchOrganisationSchema,
      responses: {
        200: {
          description: 'Now acting for this organisation.',
          schema: z.object({ siret: z.string(), name: z.string() }),
        },
        404: { description: 'Not an active member of this organisation.', schema: errorSchema },
      },
      handler: async ({ user, body }) => {
        const organisation = await switchCurrentOrganisation(deps, user, body);
        return { status: 200, body: { siret: organisation.siret, name: organisation.name } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/organisations/:siret',
      summary: 'An organisation',
      description:
        'Directory facts and eligibility, for its active members, support, platform admins, and the instructors and ' +
        'reporters of a definition it submitted a request for (404 for anyone else).',
      tags: ['Organisations'],
      auth: 'session',
      access: ACCESS.organisationViewers,
      params: siretParams,
      responses: {
        200: { description: 'The organisation.', schema: organisationSchema },
        404: { description: 'Unknown, or not visible to this user.', schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        const view = await viewOrganisation(deps, user, params.siret);
        const { organisation } = view;
        return {
          status: 200,
          body: {
            siret: organisation.siret,
            siren: organisation.siren,
            name: organisation.name,
            legalCategory: organisation.legalCategory,
            legalCategoryLabel: view.legalCategoryLabel,
            activity: organisation.activity,
            address: organisation.address,
            active: organisation.active,
            directoryCheckedAt: organisation.directoryCheckedAt.toISOString(),
            eligibility: view.eligibility,
            membership: view.membership,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/support/memberships',
      summary: 'Memberships waiting for support',
      description:
        'Oldest first, with the organisation, the person and the email domains already present (support and admins).',
      tags: ['Support'],
      auth: 'session',
      access: ACCESS.supportDesk,
      responses: {
        200: { description: 'The queue.', schema: z.array(pendingMembershipSchema) },
        403: { description: 'Not a support agent.', schema: errorSchema },
      },
      handler: async ({ user }) => ({
        status: 200,
        body: (await listSupportQueue(deps, user)).map((pending) => ({
          id: pending.membershipId,
          createdAt: pending.createdAt.toISOString(),
          reason: pending.supportReason,
          user: pending.user,
          organisation: { siret: pending.organisation.siret, name: pending.organisation.name },
          memberDomains: pending.memberDomains,
        })),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/support/memberships/:id/approve',
      summary: 'Approve a pending membership',
      description:
        'The person joins as applicant (as main manager if nobody is active yet) and is emailed, with the optional message.',
      tags: ['Support'],
      auth: 'session',
      access: ACCESS.supportDesk,
      params: membershipParams,
      body: approveSchema,
      responses: {
        200: { description: 'Approved.', schema: decisionSchema },
        403: { description: 'Not a support agent.', schema: errorSchema },
        404: { description: 'Unknown membership.', schema: errorSchema },
        409: { description: 'Already decided.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: await decideMembership(deps, user, params.id, 'approve', body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/support/memberships/:id/reject',
      summary: 'Reject a pending membership',
      description: 'The person is emailed the message, which is required.',
      tags: ['Support'],
      auth: 'session',
      access: ACCESS.supportDesk,
      params: membershipParams,
      body: rejectSchema,
      responses: {
        200: { description: 'Rejected.', schema: decisionSchema },
        403: { description: 'Not a support agent.', schema: errorSchema },
        404: { description: 'Unknown membership.', schema: errorSchema },
        409: { description: 'Already decided.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: await decideMembership(deps, user, params.id, 'reject', body),
      }),
    }),
  ];
}
