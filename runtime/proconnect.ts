import type { Logger } from 'pino';
import type { ProConnectSettings } from '../app/proconnect-client.ts';
import { PROCONNECT_CALLBACK_PATH, PROCONNECT_LOGOUT_CALLBACK_PATH } from '../domain/proconnect.ts';
import type { Config } from './config.ts';
import type { Stoppable } from './shutdown.ts';

/**
 * For `npm start` without PROCONNECT_DISCOVERY_URL: a local identity provider configured like ProConnect, which
 * Sésame's real client then uses (as the directory stand-in for Sirene). Never in production: oidc-provider is a
 * development dependency, loaded only here, and only when needed.
 */
export async function provideLocalIdentityProvider(
  config: Config,
  logger: Logger,
  started: Stoppable[],
): Promise<{ settings: ProConnectSettings; url: string } | undefined> {
  if (config.proconnect !== undefined || config.env === 'production') return undefined;
  const { startLocalIdentityProvider } = await import('./local-identity-provider.ts');
  const provider = await startLocalIdentityProvider({
    redirectUris: [new URL(PROCONNECT_CALLBACK_PATH, config.http.publicUrl).toString()],
    postLogoutRedirectUris: [new URL(PROCONNECT_LOGOUT_CALLBACK_PATH, config.http.publicUrl).toString()],
  });
  started.push({ name: 'local identity provider', stop: provider.stop });
  logger.info(
    { url: provider.url },
    'no PROCONNECT_DISCOVERY_URL: a local identity provider stands in for ProConnect',
  );
  return {
    url: provider.url,
    settings: {
      discoveryUrl: provider.discoveryUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      // It listens on 127.0.0.1 over plain http, outside production only.
      allowInsecureRequests: true,
    },
  };
}
