import assert from 'node:assert/strict';
import { hashPassword } from '../../app/passwords';
import type { OrganisationRole } from '../../domain/organisation-roles';
import { insertMembership } from '../../store/memberships';
import { findOrganisationBySiret } from '../../store/organisations';
import { GOOD_PASSWORD, newEmail } from './accounts';
import type { HttpClient } from './http-client';
import type { TestPlatform } from './platform';

let passwordHash: Promise<string> | undefined;

export interface Person {
  client: HttpClient;
  userId: string;
  email: string;
  name: string;
}

/**
 * An active account made directly in the database (when a test needs many people and their sign-up is not
 * what it checks), optionally already a member of an organisation, signed in through the API from `ip`.
 */
export async function createPerson(
  platform: TestPlatform,
  options: {
    givenName?: string;
    familyName?: string;
    domain?: string;
    ip?: string;
    memberOf?: { siret: string; roles: OrganisationRole[] };
  } = {},
): Promise<Person> {
  passwordHash ??= hashPassword(GOOD_PASSWORD);
  const email = newEmail(options.domain ?? 'exemple-public.fr', 'personne');
  const givenName = options.givenName ?? 'Dominique';
  const familyName = options.familyName ?? 'Lefèvre';
  const { rows } = await platform.services.db.query<{ id: string }>(
    `INSERT INTO users (email, given_name, family_name, password_hash, status, activated_at)
     VALUES ($1, $2, $3, $4, 'active', now()) RETURNING id`,
    [email, givenName, familyName, await passwordHash],
  );
  const userId = rows[0]!.id;
  if (options.memberOf) {
    const organisation = await findOrganisationBySiret(platform.services.db, options.memberOf.siret);
    assert.ok(organisation, `organisation ${options.memberOf.siret} exists`);
    await insertMembership(platform.services.db, {
      organisationId: organisation.id,
      userId,
      roles: options.memberOf.roles,
      status: 'active',
      joinedVia: 'invitation',
      supportReason: null,
    });
  }
  const client = platform.client(options.ip ? { ip: options.ip } : {});
  const signedIn = await client.signIn(email, GOOD_PASSWORD);
  assert.equal(signedIn.status, 200, signedIn.text);
  return { client, userId, email, name: `${givenName} ${familyName}` };
}
