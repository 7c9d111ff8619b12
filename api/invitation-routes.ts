import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  createInvitationCodes,
  createInvitationsSchema,
  deactivateInvitationCode,
  invitationListQuerySchema,
  listInvitationCodes,
  redeemInvitationCode,
  redeemSchema,
  type InvitationCodeView,
} from '../app/invitations.ts';
import { exportInvitationCodes } from '../app/organisation-exports.ts';
import { INVITATION_STATUSES } from '../domain/invitation-codes.ts';
import { GRANTABLE_ROLES } from '../domain/role-rules.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';
import { csvAnswer, csvResponse, siretParams } from './organisation-params.ts';
import { idSchema } from '../domain/identifiers.ts';

const personSchema = z.object({ id: z.uuid(), name: z.string(), email: z.string() });

const invitationCodeSchema = z
  .object({
    id: z.uuid(),
    code: z.string().meta({ description: 'Masked: only the last 4 characters are shown.' }),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    roles: z.array(z.enum(GRANTABLE_ROLES)),
    status: z.enum(INVITATION_STATUSES),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    createdBy: personSchema.nullable(),
    usedBy: personSchema.nullable(),
    usedAt: z.iso.datetime().nullable(),
    deactivatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'InvitationCode' });

const person = (value: InvitationCodeView['createdBy']) =>
  value && { id: value.id, name: `${value.givenName} ${value.familyName}`, email: value.email };

function toInvitationCodeResource(
  code: InvitationCodeView,
  organisation: { siret: string; name: string },
): z.input<typeof invitationCodeSchema> {
  return {
    id: code.id,
    code: code.maskedCode,
    organisation,
    roles: code.roles,
    status: code.status,
    createdAt: code.createdAt.toISOString(),
    expiresAt: code.expiresAt.toISOString(),
    createdBy: person(code.createdBy),
    usedBy: person(code.usedBy),
    usedAt: code.usedAt?.toISOString() ?? null,
    deactivatedAt: code.deactivatedAt?.toISOString() ?? null,
  };
}

const codeParams = siretParams.extend({ id: idSchema });
const notAdmin = 'Unknown organisation, or the user is not its main manager or an administrator.';

export function invitationRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/organisations/:siret/invitations',
      summary: 'Create invitation codes',
      description:
        'Main manager and administrators: 1 to 10 single-use codes (UUID format) granting the same roles, valid ' +
        '1 to 90 days (default 10). The codes are in this answer only: they are stored hashed and listed masked.',
      tags: ['Invitations'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: siretParams,
      body: createInvitationsSchema,
      responses: {
        201: {
          description: 'Codes created.',
          schema: z.object({
            codes: z.array(z.object({ id: z.uuid(), code: z.uuid(), expiresAt: z.iso.datetime() })),
          }),
        },
        404: { description: notAdmin, schema: errorSchema },
      },
      handler: async ({ user, params, body }) => {
        const created = await createInvitationCodes(deps, user, params.siret, body);
        return {
          status: 201,
          headers: { 'Cache-Control': 'no-store' },
          body: {
            codes: created.codes.map((code) => ({
              id: code.id,
              code: code.code,
              expiresAt: code.expiresAt.toISOString(),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/invitations',
      summary: 'List invitation codes',
      description: 'Newest first, masked, with who created and who used each; `status` filters.',
      tags: ['Invitations'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: siretParams,
      query: invitationListQuerySchema,
      responses: {
        200: { description: 'The codes.', schema: z.array(invitationCodeSchema) },
        404: { description: notAdmin, schema: errorSchema },
      },
      handler: async ({ user, params, query }) => {
        const { organisation, codes } = await listInvitationCodes(deps, user, params.siret, query);
        return { status: 200, body: codes.map((code) => toInvitationCodeResource(code, organisation)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/invitations.csv',
      summary: 'Export invitation codes (CSV)',
      description: 'The list as a spreadsheet: UTF-8 with BOM, `;` separator, codes masked.',
      tags: ['Invitations'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: siretParams,
      responses: { 200: csvResponse, 404: { description: notAdmin, schema: errorSchema } },
      handler: async ({ user, params }) => csvAnswer(await exportInvitationCodes(deps, user, params.siret)),
    }),
    defineRoute({
      method: 'post',
      path: '/organisations/:siret/invitations/:id/deactivate',
      summary: 'Deactivate an invitation code',
      description: 'A code nobody used yet stops working at once. Deactivating it again changes nothing.',
      tags: ['Invitations'],
      auth: 'session',
      access: ACCESS.organisationAdmins,
      params: codeParams,
      responses: {
        200: { description: 'The code, deactivated.', schema: invitationCodeSchema },
        404: { description: `${notAdmin} Or no such code in this organisation.`, schema: errorSchema },
        409: { description: 'The code was used already (`invitation_used`).', schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        const { organisation, code } = await deactivateInvitationCode(deps, user, params.siret, params.id);
        return { status: 200, body: toInvitationCodeResource(code, organisation) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/invitations/redeem',
      summary: 'Redeem an invitation code',
      description:
        'The signed-in person joins the code’s organisation with its roles; the code’s creator is emailed. ' +
        'Refusals say why in `error`: `invitation_unknown` (404), `invitation_expired` and ' +
        '`invitation_deactivated` (410), `invitation_used` and `already_member` (409). Failed attempts are ' +
        'limited per person and per address (429 with Retry-After).',
      tags: ['Invitations'],
      auth: 'session',
      access: ACCESS.signedIn,
      body: redeemSchema,
      responses: {
        200: {
          description: 'Joined.',
          schema: z.object({
            organisation: z.object({ siret: z.string(), name: z.string() }),
            roles: z.array(z.enum(GRANTABLE_ROLES)),
          }),
        },
        404: { description: 'No such code (`invitation_unknown`).', schema: errorSchema },
        409: { description: 'Used already, or already a member.', schema: errorSchema },
        410: { description: 'Expired or deactivated.', schema: errorSchema },
        429: { description: 'Too many failed attempts.', schema: errorSchema },
      },
      handler: async ({ user, body, req }) => ({
        status: 200,
        body: await redeemInvitationCode(deps, user, body, req.ip ?? 'unknown'),
      }),
    }),
  ];
}
