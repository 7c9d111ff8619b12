import { hashPassword, verifyPassword } from '../app/passwords.ts';
import type { StaffGrant } from '../domain/roles.ts';
import type { Db } from '../store/pool.ts';
import { ensureStaffAccount } from '../store/users.ts';

export const DEFAULT_DEMO_PASSWORD = 'sesame-demo-2026';

export interface DemoAccount {
  email: string;
  givenName: string;
  familyName: string;
  staffRoles: StaffGrant[];
  description: string;
}

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    email: 'admin@sesame.test',
    givenName: 'Camille',
    familyName: 'Martin',
    staffRoles: [{ role: 'admin', definition: null }],
    description: 'platform admin',
  },
  {
    email: 'instructeur@sesame.test',
    givenName: 'Dominique',
    familyName: 'Bernard',
    staffRoles: [{ role: 'instructeur', definition: null }],
    description: 'instructor of every API definition',
  },
  {
    email: 'rapporteur@sesame.test',
    givenName: 'Lou',
    familyName: 'Moreau',
    staffRoles: [{ role: 'rapporteur', definition: 'api-entreprise' }],
    description: 'reporter of API Entreprise (reads its requests, gives an opinion when asked)',
  },
  {
    email: 'developpeur@sesame.test',
    givenName: 'Noa',
    familyName: 'Lefèvre',
    staffRoles: [{ role: 'developpeur', definition: 'api-entreprise' }],
    description: 'developer of API Entreprise (its webhooks, at /developpeurs/api-entreprise/webhooks)',
  },
  {
    email: 'support@sesame.test',
    givenName: 'Sacha',
    familyName: 'Petit',
    staffRoles: [{ role: 'support', definition: null }],
    description: 'support agent',
  },
];

/**
 * Idempotent: accounts are created once, gain any missing role, and get the demo password again if it was
 * changed (so the logins printed at start-up always work).
 */
export async function seedDemoAccounts(db: Db, password: string): Promise<DemoAccount[]> {
  const passwordHash = await hashPassword(password);
  for (const account of DEMO_ACCOUNTS) {
    await ensureStaffAccount(
      db,
      { ...account, passwordHash },
      async (currentHash) => !(await verifyPassword(currentHash, password)),
    );
  }
  return DEMO_ACCOUNTS;
}
