import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  changeMemberRoles,
  handOverMainManager,
  handOverSchema,
  listMembers,
  memberRolesSchema,
  removeMember,
} from '../app/members.ts';
import { exportMembers } from '../app/organisation-exports.ts';
import { ORGANISATION_ROLES } from '../domain/organisation-roles.ts';
import { csvAnswer, csvResponse, siretParams } from './organisation-params.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';
import { idSchema } from '../domain/identifiers.ts';

const rolesSchema = z.array(z.enum(ORGANISATION_ROLES));

const memberSchema = z
  .object({
    userId: z.uuid(),
    givenName: z.string(),
    familyName: z.string(),
    email: z.string(),
    roles: rolesSchema,
    status: z.enum(['active', 'pending_support']),
    joinedVia: z.enum(['creation', 'email_domain', 'support', 'invitation']),
    joinedAt: z.iso.datetime(),
    lastLoginAt: z.iso.datetime().nullable().meta({ description: 'null: never signed in.' }),
  })
  .meta({ id: 'Member' });

const memberParams = siretParams.extend({ userId: idSchema });
const notAdmin = 'Unknown organisation, or the user is not its main manager or an administrator.';
const mainManagerStays = {
  description: 'The main manager keeps the role until handing it over (`main_manager_must_hand_over`).',
  schema: errorSchema,
};

export function memberRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/members',
      summary: 'List members',
      description:
        'Main manager and administrators: active members and people waiting for support, with roles, how ' +
        'they joined and their last sign-in.',
      tags: ['Members'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: siretParams,
      responses: {
        200: { description: 'The members.', schema: z.array(memberSchema) },
        404: { description: notAdmin, schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        const { members } = await listMembers(deps, user, params.siret);
        return {
          status: 200,
          body: members.map((member) => ({
            userId: member.userId,
            givenName: member.givenName,
            familyName: member.familyName,
            email: member.email,
            roles: member.roles,
            status: member.status,
            joinedVia: member.joinedVia,
            joinedAt: member.joinedAt.toISOString(),
            lastLoginAt: member.lastLoginAt?.toISOString() ?? null,
          })),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/members.csv',
      summary: 'Export members (CSV)',
      description: 'The member list as a spreadsheet: UTF-8 with BOM, `;` separator.',
      tags: ['Members'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: siretParams,
      responses: { 200: csvResponse, 404: { description: notAdmin, schema: errorSchema } },
      handler: async ({ user, params }) => csvAnswer(await exportMembers(deps, user, params.siret)),
    }),
    defineRoute({
      method: 'patch',
      path: '/organisations/:siret/members/:userId',
      summary: 'Change a member’s roles',
      description:
        'Administrators. The list replaces the member’s roles: not empty, an exclusive role (`lecteur`) alone. ' +
        '`gestionnaire_principal` can be neither given nor removed here: the main manager hands it over. ' +
        'The member’s next request sees the new roles.',
      tags: ['Members'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: memberParams,
      body: memberRolesSchema,
      responses: {
        200: { description: 'The new roles.', schema: z.object({ userId: z.uuid(), roles: rolesSchema }) },
        404: { description: `${notAdmin} Or no such active member.`, schema: errorSchema },
        409: mainManagerStays,
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: await changeMemberRoles(deps, user, params.siret, params.userId, body),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/organisations/:siret/members/:userId',
      summary: 'Remove a member, or leave',
      description:
        'Administrators remove a member; any member may remove themselves (leave). The main manager can do ' +
        'neither before handing the role over (409).',
      tags: ['Members'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: memberParams,
      responses: {
        204: { description: 'Removed.' },
        404: { description: `${notAdmin} Or no such active member.`, schema: errorSchema },
        409: mainManagerStays,
      },
      handler: async ({ user, params }) => {
        await removeMember(deps, user, params.siret, params.userId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/organisations/:siret/main-manager',
      summary: 'Hand the main manager’s role over',
      description:
        'The main manager only: another active member becomes main manager (a read-only `lecteur` role is ' +
        'dropped); the former one stays an administrator.',
      tags: ['Members'],
      auth: 'session',
      access: ACCESS.mainManagerHandOver,
      params: siretParams,
      body: handOverSchema,
      responses: {
        200: {
          description: 'Handed over.',
          schema: z.object({
            from: z.object({ userId: z.uuid(), roles: rolesSchema }),
            to: z.object({ userId: z.uuid(), roles: rolesSchema }),
          }),
        },
        403: { description: 'An administrator who is not the main manager.', schema: errorSchema },
        404: { description: notAdmin, schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: await handOverMainManager(deps, user, params.siret, body),
      }),
    }),
  ];
}
