import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import { listMyOrganisations } from '../app/organisations.ts';
import { signIn } from '../app/sign-in.ts';
import { emailAddressSchema } from '../domain/email-address.ts';
import { csrfToken } from '../http/csrf.ts';
import { endAuthenticatedSession, startAuthenticatedSession } from '../http/session.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import {
  errorSchema,
  membershipSchema,
  toMembershipResource,
  toUserResource,
  userSchema,
} from './schemas.ts';

const sessionSchema = z
  .object({
    user: userSchema,
    csrfToken: z
      .string()
      .meta({ description: 'Send it back in X-CSRF-Token on every call that changes state.' }),
  })
  .meta({ id: 'Session' });

const meSchema = z
  .object({
    user: userSchema,
    csrfToken: z.string(),
    memberships: z.array(membershipSchema),
    currentOrganisation: z.object({ siret: z.string(), name: z.string() }).nullable(),
  })
  .meta({ id: 'Me' });

export function sessionRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'post',
      path: '/session',
      summary: 'Sign in',
      description:
        'Checks the email and password and sets the session cookie. An unknown email and a wrong password get ' +
        'the same answer; repeated failures per account or per IP address get 429.',
      tags: ['Session'],
      auth: 'public',
      access: ACCESS.everyone,
      body: z.object({
        email: emailAddressSchema,
        password: z
          .string()
          .min(1, 'Le mot de passe est obligatoire.')
          .max(1024, 'Le mot de passe est trop long.'),
      }),
      responses: {
        200: { description: 'Signed in.', schema: sessionSchema },
        401: { description: 'Wrong email or password.', schema: errorSchema },
        429: { description: 'Too many failed attempts; see Retry-After.', schema: errorSchema },
      },
      handler: async ({ body, req }) => {
        const user = await signIn(deps, {
          email: body.email,
          password: body.password,
          ip: req.ip ?? 'unknown',
        });
        await startAuthenticatedSession(req, user.id);
        return { status: 200, body: { user: toUserResource(user), csrfToken: csrfToken(req) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/session',
      summary: 'Sign out',
      tags: ['Session'],
      auth: 'session',
      access: ACCESS.signedIn,
      responses: { 204: { description: 'Signed out; the session is destroyed.' } },
      handler: async ({ req }) => {
        await endAuthenticatedSession(req);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me',
      summary: 'The signed-in user',
      tags: ['Session'],
      auth: 'session',
      access: ACCESS.signedIn,
      responses: {
        200: {
          description:
            'The signed-in user, their organisations (roles, status) and the session’s CSRF token.',
          schema: meSchema,
        },
      },
      handler: async ({ user, req }) => {
        const { memberships, currentOrganisation } = await listMyOrganisations(deps, user);
        return {
          status: 200,
          body: {
            user: toUserResource(user),
            csrfToken: csrfToken(req),
            memberships: memberships.map(toMembershipResource),
            currentOrganisation: currentOrganisation && {
              siret: currentOrganisation.siret,
              name: currentOrganisation.name,
            },
          },
        };
      },
    }),
  ];
}
