import assert from 'node:assert/strict';
import { hashPassword } from '../../app/passwords.ts';
import type { OrganisationRole } from '../../domain/organisation-roles.ts';
import { GOOD_PASSWORD, newEmail } from './accounts.ts';
import type { HttpClient } from './http-client.ts';
import type { TestPlatform } from './platform.ts';

let passwordHash: Promise<string> | undefined;

export interface Person {
  client: HttpClient;
  userId: string;
  email: string;
  name: string;
}

/**
 * An active account made directly in the database (when a test needs many people and their sign-up is not
 * what it checks), signed in through the API from `ip`; `invitedBy` makes it a member of an organisation the way
 * people become one: that organisation's administrator creates an invitation code, the person redeems it.
 */
export async function createPerson(
  platform: TestPlatform,
  options: {
    givenName?: string;
    familyName?: string;
    domain?: string;
    ip?: string;
    invitedBy?: { admin: HttpClient; siret: string; roles: OrganisationRole[] };
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
  const client = platform.client(options.ip ? { ip: options.ip } : {});
  const signedIn = await client.signIn(email, GOOD_PASSWORD);
  assert.equal(signedIn.status, 200, signedIn.text);
  if (options.invitedBy) {
    const { admin, siret, roles } = options.invitedBy;
    const created = await admin.send('POST', `/api/v1/organisations/${siret}/invitations`, {
      count: 1,
      roles,
    });
    assert.equal(created.status, 201, created.text);
    const redeemed = await client.send('POST', '/api/v1/invitations/redeem', {
      code: created.json.codes[0].code,
    });
    assert.equal(redeemed.status, 200, redeemed.text);
  }
  return { client, userId, email, name: `${givenName} ${familyName}` };
}
