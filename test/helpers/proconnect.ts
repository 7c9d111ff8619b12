import assert from 'node:assert/strict';
import { PROCONNECT_CALLBACK_PATH, PROCONNECT_LOGOUT_CALLBACK_PATH } from '../../domain/proconnect.ts';
import {
  startLocalIdentityProvider,
  type LocalIdentityProvider,
  type TestAgent,
} from '../../runtime/local-identity-provider.ts';
import { freePort } from '../../runtime/temporal-dev-server.ts';
import { newEmail } from './accounts.ts';
import { HttpClient, type HttpAnswer } from './http-client.ts';
import { startTestPlatform, type TestPlatform, type TestPlatformOptions } from './platform.ts';

/**
 * The platform with ProConnect configured on the local identity provider — the same real client code as with
 * ProConnect, through PROCONNECT_DISCOVERY_URL. The provider starts with no agent: each test adds its own.
 */
export async function startPlatformWithProConnect(
  options: TestPlatformOptions = {},
): Promise<{ platform: TestPlatform; idp: LocalIdentityProvider }> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const idp = await startLocalIdentityProvider({
    redirectUris: [`${publicUrl}${PROCONNECT_CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${publicUrl}${PROCONNECT_LOGOUT_CALLBACK_PATH}`],
    agents: [],
  });
  const platform = await startTestPlatform({
    ...options,
    env: {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      PROCONNECT_DISCOVERY_URL: idp.discoveryUrl.toString(),
      PROCONNECT_CLIENT_ID: idp.clientId,
      PROCONNECT_CLIENT_SECRET: idp.clientSecret,
      ...options.env,
    },
  });
  return { platform, idp };
}

let counter = 0;

/** A new test agent of the provider, on a domain and SIRET of the test's choosing. */
export function newAgent(
  idp: LocalIdentityProvider,
  overrides: Partial<TestAgent> & { domain?: string } = {},
) {
  counter += 1;
  const { domain = 'saint-exemple-sur-loire.fr', ...rest } = overrides;
  const login = `agent-${Date.now().toString(36)}-${counter}`;
  const agent: TestAgent = {
    login,
    givenName: 'Maëlle',
    usualName: `Agent${counter}`,
    email: newEmail(domain, 'agent'),
    siret: '21457956700014',
    ...rest,
  };
  idp.addAgent(agent);
  return agent;
}

/** Follows the provider's redirects (its own cookies in `idpClient`) until one leaves it. */
async function followAtProvider(idpClient: HttpClient, idp: LocalIdentityProvider, answer: HttpAnswer) {
  let current = answer;
  for (let hops = 0; hops < 10; hops += 1) {
    const location = current.headers.get('location');
    if (!location) return current;
    const next = new URL(location, idp.url);
    if (next.origin !== new URL(idp.url).origin) return current;
    current = await idpClient.get(next.toString());
  }
  throw new Error('too many redirects at the identity provider');
}

/**
 * Starts "S'identifier avec ProConnect" for `client`, signs in at the provider as `login` (or cancels), and
 * returns the callback address the provider sends the browser back to, without following it.
 */
export async function authorizeAtProvider(
  client: HttpClient,
  idp: LocalIdentityProvider,
  action: { login: string } | { cancel: true },
  idpClient = new HttpClient(idp.url),
): Promise<URL> {
  const start = await client.get('/connexion/proconnect');
  assert.equal(start.status, 302, start.text);
  const interaction = await followAtProvider(
    idpClient,
    idp,
    await idpClient.get(start.headers.get('location')!),
  );
  const form = /action="(\/interaction\/[\w-]+)\/login"/.exec(interaction.text);
  assert.ok(form, `the provider shows its sign-in page (${interaction.status})`);
  const posted =
    'cancel' in action
      ? await idpClient.postForm(`${form[1]}/abort`, {})
      : await idpClient.postForm(`${form[1]}/login`, { login: action.login });
  const last = await followAtProvider(idpClient, idp, posted);
  const location = last.headers.get('location');
  assert.ok(location, `the provider sends the browser back (${last.status}: ${last.text.slice(0, 200)})`);
  return new URL(location);
}

/** The whole sign-in through HTTP: the platform's answer at its callback address. */
export async function signInWithProConnect(
  client: HttpClient,
  idp: LocalIdentityProvider,
  login: string,
): Promise<HttpAnswer> {
  const callback = await authorizeAtProvider(client, idp, { login });
  return client.get(`${callback.pathname}${callback.search}`);
}
