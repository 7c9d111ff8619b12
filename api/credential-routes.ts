import { definitionIdentifier } from '../domain/definitions.ts';
import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  createProviderCredentials,
  listProviderCredentials,
  providerCredentialSchema,
  revokeProviderCredentials,
} from '../app/provider-credentials.ts';
import {
  createTechnicalAccount,
  deleteTechnicalAccount,
  listTechnicalAccounts,
  resetSchema,
  resetTechnicalAccountPassword,
  type IssuedPassword,
  type TechnicalAccountView,
} from '../app/technical-accounts.ts';
import {
  listMyHabilitations,
  renewSchema,
  renewToken,
  revealToken,
  revokeToken,
  rotateSchema,
  rotateToken,
  viewHabilitation,
  type HabilitationView,
  type TokenView,
} from '../app/tokens.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema } from './schemas.ts';
import { idSchema } from '../domain/identifiers.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

const tokenSchema = z
  .object({
    id: z.uuid(),
    prefix: z
      .string()
      .meta({ description: 'The visible start of the token; the rest is never shown again.' }),
    status: z.enum(['active', 'expiring', 'expired', 'revoked']),
    scopes: z.array(z.string()),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'null: never used.' }),
    revealed: z.boolean(),
    revealableUntil: z.iso.datetime().nullable(),
    endsAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'End of a rotation’s grace period, if replaced.' }),
    rotatedFrom: z.uuid().nullable(),
    rotatedTo: z.uuid().nullable(),
    renewable: z.boolean(),
  })
  .meta({ id: 'Token' });

const habilitationSchema = z
  .object({
    id: z.uuid(),
    requestId: z.uuid(),
    definition: z.object({ slug: z.string(), name: z.string() }),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    status: z.enum(['active', 'superseded', 'revoked']),
    scopes: z.array(z.string()),
    validUntil: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    canAct: z.boolean().meta({ description: 'false for readers: they see, they cannot act.' }),
    tokens: z.array(tokenSchema),
  })
  .meta({ id: 'Habilitation' });

const technicalAccountSchema = z
  .object({
    id: z.uuid(),
    login: z.string(),
    createdAt: z.iso.datetime(),
    lastUse: z.object({
      kind: z.enum(['unknown', 'never', 'at']).meta({
        description: '`unknown`: created before last use was tracked; `never`: not used yet.',
      }),
      at: z.iso.datetime().optional(),
    }),
    passwordExpiresAt: z.iso.datetime(),
    status: z.enum(['active', 'password_expired']),
  })
  .meta({ id: 'TechnicalAccount' });

const issuedPasswordSchema = z
  .object({
    id: z.uuid(),
    login: z.string(),
    password: z.string().meta({ description: 'Shown this once; never retrievable afterwards.' }),
    passwordExpiresAt: z.iso.datetime(),
  })
  .meta({ id: 'TechnicalAccountPassword' });

export const toTokenResource = (token: TokenView): z.input<typeof tokenSchema> => ({
  id: token.id,
  prefix: token.visiblePart,
  status: token.status,
  scopes: token.scopes,
  createdAt: token.createdAt.toISOString(),
  expiresAt: token.expiresAt.toISOString(),
  lastUsedAt: iso(token.lastUsedAt),
  revealed: token.revealed,
  revealableUntil: iso(token.revealableUntil),
  endsAt: iso(token.retiresAt),
  rotatedFrom: token.rotatedFrom,
  rotatedTo: token.rotatedTo,
  renewable: token.renewable,
});

const toHabilitationResource = (view: HabilitationView): z.input<typeof habilitationSchema> => ({
  id: view.habilitation.id,
  requestId: view.habilitation.requestId,
  definition: { slug: view.habilitation.definition, name: view.definitionName },
  organisation: view.organisation,
  status: view.habilitation.status,
  scopes: view.habilitation.scopes,
  validUntil: view.habilitation.validUntil.toISOString(),
  createdAt: view.habilitation.createdAt.toISOString(),
  canAct: view.access === 'act',
  tokens: view.tokens.map(toTokenResource),
});

const toAccountResource = (account: TechnicalAccountView): z.input<typeof technicalAccountSchema> => ({
  id: account.id,
  login: account.login,
  createdAt: account.createdAt.toISOString(),
  lastUse:
    account.lastUse.kind === 'at' ? { kind: 'at', at: account.lastUse.at.toISOString() } : account.lastUse,
  passwordExpiresAt: account.passwordExpiresAt.toISOString(),
  status: account.status,
});

const toIssuedResource = (issued: IssuedPassword): z.input<typeof issuedPasswordSchema> => ({
  id: issued.account.id,
  login: issued.account.login,
  password: issued.password,
  passwordExpiresAt: issued.account.passwordExpiresAt.toISOString(),
});

const idParams = z.object({ id: idSchema });
const siretParams = z.object({ siret: z.string().regex(/^\d{14}$/) });
const accountParams = z.object({ siret: z.string().regex(/^\d{14}$/), id: idSchema });
const notVisible = { description: 'Unknown, or not visible to this user.', schema: errorSchema };
const readerOnly = { description: 'A reader of the organisation: sees, cannot act.', schema: errorSchema };

export function credentialRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/habilitations',
      summary: 'Habilitations of my organisations',
      description:
        'Every habilitation of the organisations where the person is an active member, with its tokens.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.signedIn,
      responses: { 200: { description: 'The habilitations.', schema: z.array(habilitationSchema) } },
      handler: async ({ user }) => ({
        status: 200,
        body: (await listMyHabilitations(deps, user)).map(toHabilitationResource),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/habilitations/:id',
      summary: 'A habilitation and its tokens',
      description: 'For the organisation’s members, and the definition’s instructors.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.credentialViewers,
      params: idParams,
      responses: { 200: { description: 'The habilitation.', schema: habilitationSchema }, 404: notVisible },
      handler: async ({ user, params }) => ({
        status: 200,
        body: toHabilitationResource(await viewHabilitation(deps, user, params.id)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/tokens/:id/reveal',
      summary: 'Reveal a token, once',
      description:
        'The secret is answered the first time only; afterwards (or once its sealed copy was destroyed, 7 days after issuance) 410.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.credentialHolders,
      params: idParams,
      responses: {
        200: { description: 'The secret, shown this once.', schema: z.object({ token: z.string() }) },
        403: readerOnly,
        404: notVisible,
        410: { description: 'Already revealed, or no longer revealable.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({ status: 200, body: await revealToken(deps, user, params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/tokens/:id/rotate',
      summary: 'Rotate a token',
      description:
        'Issues a new token (to reveal once); the old one keeps working for `graceHours` (0 to 168, default 24), then stops.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.credentialHolders,
      params: idParams,
      body: rotateSchema,
      responses: {
        201: {
          description: 'The new token’s id.',
          schema: z.object({ id: z.uuid(), oldTokenEndsAt: z.iso.datetime() }),
        },
        403: readerOnly,
        404: notVisible,
        409: { description: 'Revoked, expired or already replaced.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => {
        const rotated = await rotateToken(deps, user, params.id, body);
        return {
          status: 201,
          body: { id: rotated.tokenId, oldTokenEndsAt: rotated.oldTokenEndsAt.toISOString() },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tokens/:id/revoke',
      summary: 'Revoke a token',
      description:
        'Immediate. By the organisation’s members who manage credentials, or the definition’s instructors.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.credentialRevokers,
      params: idParams,
      responses: {
        204: { description: 'Revoked.' },
        403: readerOnly,
        404: notVisible,
        409: { description: 'Already revoked.', schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        await revokeToken(deps, user, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/tokens/:id/renew',
      summary: 'Renew a token',
      description:
        'Within 90 days of expiry, confirming that purpose and contacts are unchanged extends the token by its definition’s validity. Outside that window: 409.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.credentialHolders,
      params: idParams,
      body: renewSchema,
      responses: {
        200: { description: 'The new expiry date.', schema: z.object({ expiresAt: z.iso.datetime() }) },
        403: readerOnly,
        404: notVisible,
        409: { description: 'Not within the renewal window, or not active.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => {
        const { expiresAt } = await renewToken(deps, user, params.id, body);
        return { status: 200, body: { expiresAt: expiresAt.toISOString() } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/organisations/:siret/technical-accounts',
      summary: 'Technical accounts of an organisation',
      description: 'For its main manager only (404 for anyone else).',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.mainManager,
      params: siretParams,
      responses: {
        200: { description: 'The accounts.', schema: z.array(technicalAccountSchema) },
        404: notVisible,
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listTechnicalAccounts(deps, user, params.siret)).accounts.map(toAccountResource),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/organisations/:siret/technical-accounts',
      summary: 'Create a technical account',
      description:
        'For the main manager of an organisation holding an active habilitation whose API uses technical accounts. The password is shown this once.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.mainManager,
      params: siretParams,
      responses: {
        201: { description: 'Created.', schema: issuedPasswordSchema },
        404: notVisible,
        409: { description: 'No active habilitation using technical accounts.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 201,
        body: toIssuedResource(await createTechnicalAccount(deps, user, params.siret)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/organisations/:siret/technical-accounts/:id/reset-password',
      summary: 'Reset a technical account’s password',
      description:
        'Requires `{"confirm": true}`. The old password stops at once; the new one is shown this once.',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.mainManager,
      params: accountParams,
      body: resetSchema,
      responses: { 200: { description: 'Reset.', schema: issuedPasswordSchema }, 404: notVisible },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: toIssuedResource(
          await resetTechnicalAccountPassword(deps, user, params.siret, params.id, body),
        ),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/organisations/:siret/technical-accounts/:id',
      summary: 'Delete a technical account',
      tags: ['Credentials'],
      auth: 'session',
      access: ACCESS.mainManager,
      params: accountParams,
      responses: { 204: { description: 'Deleted; its credentials stop at once.' }, 404: notVisible },
      handler: async ({ user, params }) => {
        await deleteTechnicalAccount(deps, user, params.siret, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/definitions/:slug/provider-credentials',
      summary: 'Create provider client credentials',
      description:
        'For a definition’s provider to call introspection (platform admins). The secret is shown this once.',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      params: z.object({
        slug: definitionIdentifier,
      }),
      body: providerCredentialSchema,
      responses: {
        201: {
          description: 'Created.',
          schema: z.object({
            clientId: z.string(),
            clientSecret: z.string(),
            definition: z.string(),
            label: z.string(),
          }),
        },
        403: { description: 'Not a platform admin.', schema: errorSchema },
        404: { description: 'Unknown definition.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 201,
        body: await createProviderCredentials(deps, user, params.slug, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/definitions/:slug/provider-credentials',
      summary: 'Provider client credentials of a definition',
      description: 'Never the secrets (platform admins).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      params: z.object({
        slug: definitionIdentifier,
      }),
      responses: {
        200: {
          description: 'The credentials, newest first.',
          schema: z.array(
            z.object({
              id: z.uuid(),
              clientId: z.string(),
              label: z.string(),
              createdAt: z.iso.datetime(),
              revokedAt: z.iso.datetime().nullable(),
            }),
          ),
        },
        403: { description: 'Not a platform admin.', schema: errorSchema },
        404: { description: 'Unknown definition.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listProviderCredentials(deps, user, params.slug)).map((credential) => ({
          id: credential.id,
          clientId: credential.clientId,
          label: credential.label,
          createdAt: credential.createdAt.toISOString(),
          revokedAt: iso(credential.revokedAt),
        })),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/definitions/:slug/provider-credentials/:id',
      summary: 'Revoke provider client credentials',
      description: 'Effective within 30 s (web processes cache a provider’s record that long).',
      tags: ['Administration'],
      auth: 'session',
      access: ACCESS.platformAdmins,
      params: z.object({
        slug: definitionIdentifier,
        id: z.uuid(),
      }),
      responses: {
        204: { description: 'Revoked.' },
        403: { description: 'Not a platform admin.', schema: errorSchema },
        404: { description: 'Unknown, or already revoked.', schema: errorSchema },
      },
      handler: async ({ user, params }) => {
        await revokeProviderCredentials(deps, user, params.slug, params.id);
        return { status: 204 };
      },
    }),
  ];
}
