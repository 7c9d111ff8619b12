import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { notFound } from '../domain/errors.ts';
import { hashSecret, randomSecret } from '../security/token-secrets.ts';
import {
  insertProviderCredential,
  listProviderCredentials as storeList,
  revokeProviderCredential,
  upsertProviderCredential,
  type ProviderCredential,
} from '../store/provider-credentials.ts';
import type { User } from '../store/users.ts';
import { requireStaffRole } from './authorization.ts';
import type { AppDeps } from './deps.ts';
import { parseInput } from './validation.ts';
import { textInput } from '../domain/text-input.ts';

export const providerCredentialSchema = z.strictObject({
  label: textInput()
    .trim()
    .min(1, 'Indiquez à quoi servent ces identifiants.')
    .max(200)
    .default('Fournisseur'),
});

/**
 * Client credentials with which a definition's provider calls introspection. The secret (256 random bits) is
 * shown once and stored as its SHA-256 (see store/provider-credentials.ts for why not argon2).
 */
export async function createProviderCredentials(
  deps: AppDeps,
  actor: User,
  slug: string,
  input: unknown,
): Promise<{ clientId: string; clientSecret: string; definition: string; label: string }> {
  requireStaffRole(actor, 'admin');
  if (!deps.credentials.definitions.find(slug)) throw notFound();
  const { label } = parseInput(providerCredentialSchema, input ?? {});
  const clientId = `${slug}-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomSecret(32);
  await insertProviderCredential(deps.db, {
    definition: slug,
    clientId,
    secretHash: hashSecret(clientSecret),
    label,
    createdBy: actor.id,
  });
  return { clientId, clientSecret, definition: slug, label };
}

export async function listProviderCredentials(
  deps: AppDeps,
  actor: User,
  slug: string,
): Promise<ProviderCredential[]> {
  requireStaffRole(actor, 'admin');
  if (!deps.credentials.definitions.find(slug)) throw notFound();
  return storeList(deps.db, slug);
}

/**
 * Revokes a provider's client credentials. Web processes cache a provider's record for 30 s, so calls made with
 * them may still succeed for that long.
 */
export async function revokeProviderCredentials(
  deps: AppDeps,
  actor: User,
  slug: string,
  id: string,
): Promise<void> {
  requireStaffRole(actor, 'admin');
  if (!(await revokeProviderCredential(deps.db, slug, id))) throw notFound();
}

/** The demo provider's credentials (outside production): a fixed client id, a secret derived from APP_SECRET. */
export const DEMO_PROVIDER_CLIENT_ID = 'demo-api-entreprise';
export const DEMO_PROVIDER_DEFINITION = 'api-entreprise';

export async function ensureDemoProviderCredentials(
  deps: Pick<AppDeps, 'db'>,
  demoKey: Buffer,
): Promise<{ clientId: string; clientSecret: string }> {
  const clientSecret = demoKey.toString('base64url');
  await upsertProviderCredential(deps.db, {
    definition: DEMO_PROVIDER_DEFINITION,
    clientId: DEMO_PROVIDER_CLIENT_ID,
    secretHash: hashSecret(clientSecret),
    label: 'API de démonstration (hors production)',
  });
  return { clientId: DEMO_PROVIDER_CLIENT_ID, clientSecret };
}
