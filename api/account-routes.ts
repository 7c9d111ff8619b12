import { z } from 'zod';
import { activateAccount, resendActivationLink } from '../app/activate-account.ts';
import { emailOnlySchema, signUpSchema } from '../app/account-schemas.ts';
import type { AppDeps } from '../app/deps.ts';
import {
  completePasswordReset,
  completePasswordResetSchema,
  requestPasswordReset,
} from '../app/password-reset.ts';
import { changePassword, changePasswordSchema, profileSchema, updateProfile } from '../app/profile.ts';
import { signUp } from '../app/sign-up.ts';
import { csrfToken } from '../http/csrf.ts';
import { startAuthenticatedSession } from '../http/session.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { errorSchema, membershipSchema, toUserResource, userSchema } from './schemas.ts';

const activationSchema = z
  .object({
    status: z.literal('active'),
    case: z.enum(['main_manager', 'joined_by_domain', 'pending_support']).meta({
      description:
        'main_manager: the organisation was created (or had nobody active) and the account manages it; ' +
        'joined_by_domain: an active member shares the email domain; pending_support: support must decide.',
    }),
    organisation: z.object({ siret: z.string(), name: z.string() }),
    membership: membershipSchema.pick({ roles: true, status: true }),
    user: userSchema,
    csrfToken: z.string(),
  })
  .meta({ id: 'Activation' });

export function accountRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/accounts',
      summary: 'Sign up',
      description:
        'Creates an account waiting for activation and emails its activation link. The SIRET must be valid and ' +
        'active in the Sirene directory. An address that already has an account gets the same answer (and its ' +
        'owner an email), so that answers never reveal who has an account.',
      tags: ['Accounts'],
      auth: 'public',
      access: ACCESS.everyone,
      body: signUpSchema,
      responses: {
        201: {
          description: 'Account created, waiting for activation.',
          schema: z.object({ id: z.uuid(), status: z.literal('pending_activation') }),
        },
        429: {
          description:
            'Too many sign-ups from this client address or emails to this address; see Retry-After.',
          schema: errorSchema,
        },
        503: {
          description: 'The Sirene directory (or Temporal) does not answer: nothing was created.',
          schema: errorSchema,
        },
      },
      handler: async ({ body, req }) => ({
        status: 201,
        body: await signUp(deps, body, req.ip ?? 'unknown'),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/activate',
      summary: 'Activate an account',
      description:
        'Uses the token of an activation link, once; attaches the account to the organisation of its SIRET and ' +
        'signs it in (session cookie). The answer says which matching case applied.',
      tags: ['Accounts'],
      auth: 'public',
      access: ACCESS.everyone,
      body: z.object({ token: z.string({ error: 'Le jeton d’activation est obligatoire.' }) }),
      responses: {
        200: { description: 'Activated and signed in.', schema: activationSchema },
        404: { description: 'Unknown (or altered) link.', schema: errorSchema },
        410: { description: 'Expired, already used, or replaced by a newer link.', schema: errorSchema },
        503: { description: 'Temporal or its worker does not answer; try again.', schema: errorSchema },
      },
      handler: async ({ body, req }) => {
        const activation = await activateAccount(deps, { token: body.token });
        await startAuthenticatedSession(req, activation.user.id);
        return {
          status: 200,
          body: {
            status: 'active',
            case: activation.case,
            organisation: activation.organisation,
            membership: activation.membership,
            user: toUserResource(activation.user),
            csrfToken: csrfToken(req),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/accounts/resend-activation',
      summary: 'Send a new activation link',
      description:
        'For an account waiting for activation, emails a new link (the previous one stops working). Same answer for any address.',
      tags: ['Accounts'],
      auth: 'public',
      access: ACCESS.everyone,
      body: emailOnlySchema,
      responses: {
        202: { description: 'A link is on its way if the address has an account waiting for activation.' },
        429: {
          description: 'Too many emails to this address or from this client; see Retry-After.',
          schema: errorSchema,
        },
      },
      handler: async ({ body, req }) => {
        await resendActivationLink(deps, body, req.ip ?? 'unknown');
        return { status: 202 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/password-resets',
      summary: 'Ask for a password reset link',
      description:
        'Emails a single-use link valid one hour to an active account. Same answer for any address; rate-limited per address and per IP.',
      tags: ['Accounts'],
      auth: 'public',
      access: ACCESS.everyone,
      body: emailOnlySchema,
      responses: {
        202: { description: 'A link is on its way if the address has an active account.' },
        429: { description: 'Too many requests; see Retry-After.', schema: errorSchema },
      },
      handler: async ({ body, req }) => {
        await requestPasswordReset(deps, body, req.ip ?? 'unknown');
        return { status: 202 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/password-resets/complete',
      summary: 'Set a new password with a reset link',
      description: 'Uses the token of a reset link, once. Every session of the account ends.',
      tags: ['Accounts'],
      auth: 'public',
      access: ACCESS.everyone,
      body: completePasswordResetSchema,
      responses: {
        204: { description: 'Password changed.' },
        404: { description: 'Unknown (or altered) link.', schema: errorSchema },
        410: { description: 'Expired or already used link.', schema: errorSchema },
      },
      handler: async ({ body }) => {
        await completePasswordReset(deps, body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/me',
      summary: 'Update one’s profile',
      tags: ['Session'],
      auth: 'session',
      access: ACCESS.signedIn,
      body: profileSchema,
      responses: { 204: { description: 'Profile updated.' } },
      handler: async ({ user, body }) => {
        await updateProfile(deps, user, body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/password',
      summary: 'Change one’s password',
      description: 'Checks the current password; every other session of the account ends.',
      tags: ['Session'],
      auth: 'session',
      access: ACCESS.signedIn,
      body: changePasswordSchema,
      responses: { 204: { description: 'Password changed.' } },
      handler: async ({ user, body, req }) => {
        await changePassword(deps, user, body, req.sessionID);
        return { status: 204 };
      },
    }),
  ];
}
