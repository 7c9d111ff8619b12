import { z } from 'zod';
import { ORGANISATION_ROLES } from '../domain/organisation-roles.ts';
import { STAFF_ROLES } from '../domain/roles.ts';
import type { UserMembership } from '../store/memberships.ts';
import type { User } from '../store/users.ts';

export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });

export const errorSchema = z
  .object({
    error: z.string().meta({ description: 'Stable machine-readable code, e.g. `validation_failed`.' }),
    message: z.string().meta({ description: 'Explanation in French, fit to show to a person.' }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: 'One entry per faulty field.' }),
    retryAfterSeconds: z.number().int().optional(),
    requestId: z.string().optional(),
    state: z
      .string()
      .optional()
      .meta({ description: 'On `invalid_transition`: the request’s current state.' }),
    allowedCommands: z
      .array(z.string())
      .optional()
      .meta({ description: 'On `invalid_transition`: the commands this user may send in that state.' }),
  })
  .meta({ id: 'Error' });

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    givenName: z.string(),
    familyName: z.string(),
    staffRoles: z.array(
      z.object({
        role: z.enum(STAFF_ROLES),
        definition: z.string().nullable().meta({ description: 'API definition; null: every definition.' }),
      }),
    ),
  })
  .meta({ id: 'User' });

export function toUserResource(user: User): z.input<typeof userSchema> {
  return {
    id: user.id,
    email: user.email,
    givenName: user.givenName,
    familyName: user.familyName,
    staffRoles: user.staffRoles,
  };
}

export const membershipSchema = z
  .object({
    organisation: z.object({ siret: z.string(), name: z.string() }),
    roles: z.array(z.enum(ORGANISATION_ROLES)),
    status: z.enum(['active', 'pending_support', 'rejected']),
    joinedVia: z.enum(['creation', 'email_domain', 'support', 'invitation']),
    current: z.boolean().meta({ description: 'The organisation the person currently acts for.' }),
  })
  .meta({ id: 'Membership' });

export function toMembershipResource(
  membership: UserMembership & { current: boolean },
): z.input<typeof membershipSchema> {
  return {
    organisation: { siret: membership.organisation.siret, name: membership.organisation.name },
    roles: membership.roles,
    status: membership.status,
    joinedVia: membership.joinedVia,
    current: membership.current,
  };
}
