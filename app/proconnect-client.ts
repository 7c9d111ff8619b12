import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { PROCONNECT_SCOPES, ProConnectRefused, type ProConnectRefusal } from '../domain/proconnect.ts';

/** How to reach ProConnect (or the local identity provider that stands in for it). */
export interface ProConnectSettings {
  /** The provider's `/.well-known/openid-configuration`. */
  discoveryUrl: URL;
  clientId: string;
  clientSecret: string;
  /**
   * openid-client refuses plain-http providers. Only the local identity provider, served on 127.0.0.1 outside
   * production, is reached over http; the configuration refuses an http discovery URL in production.
   */
  allowInsecureRequests: boolean;
}

/** What the browser's session keeps between sending the person to ProConnect and their return. */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The verified answer of a sign-in: the userinfo claims and the ID token (the logout's `id_token_hint`). */
export interface ProConnectAnswer {
  claims: Record<string, unknown>;
  idToken: string;
}

export interface ProConnectClient {
  startAuthorization(): Promise<{ url: URL; pending: PendingAuthorization }>;
  /** Checks the answer at the callback address, redeems its code and reads the signed userinfo. */
  completeAuthorization(callbackUrl: URL, pending: PendingAuthorization): Promise<ProConnectAnswer>;
  /** The provider's logout address for a session, or undefined when the provider is unreachable. */
  endSessionUrl(idToken: string, state: string): Promise<URL | undefined>;
}

const TIMEOUT_SECONDS = 10;

/**
 * The authorization code flow with PKCE, `state` and `nonce` (openid-client), configured by discovery. The ID
 * token's signature, issuer, audience, expiry and nonce are checked, and the userinfo must be a JWT signed by the
 * provider (`userinfo_signed_response_alg`, as ProConnect answers); non-repudiation checks make openid-client
 * verify both signatures against the provider's published keys rather than trust the TLS channel alone.
 */
export function createProConnectClient(
  settings: ProConnectSettings,
  options: { redirectUri: string; postLogoutRedirectUri: string; logger: Logger },
): ProConnectClient {
  let configuration: Promise<oidc.Configuration> | undefined;
  const configure = async (): Promise<oidc.Configuration> => {
    configuration ??= oidc.discovery(
      settings.discoveryUrl,
      settings.clientId,
      {
        client_secret: settings.clientSecret,
        redirect_uris: [options.redirectUri],
        response_types: ['code'],
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
      },
      oidc.ClientSecretPost(settings.clientSecret),
      {
        timeout: TIMEOUT_SECONDS,
        execute: [
          ...(settings.allowInsecureRequests ? [oidc.allowInsecureRequests] : []),
          oidc.enableNonRepudiationChecks,
        ],
      },
    );
    try {
      return await configuration;
    } catch (error) {
      // Asked again at the next sign-in: a provider down at start-up must not disable ProConnect for good.
      configuration = undefined;
      throw refusalFor(error, 'discovery', options.logger);
    }
  };

  return {
    async startAuthorization() {
      const config = await configure();
      const pending: PendingAuthorization = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: PROCONNECT_SCOPES.join(' '),
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, pending };
    },

    async completeAuthorization(callbackUrl, pending) {
      const config = await configure();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw refusalFor(error, 'token', options.logger);
      }
      const idToken = tokens.id_token;
      const subject = tokens.claims()?.sub;
      if (!idToken || !subject) throw new ProConnectRefused('id_token');
      try {
        const claims = await oidc.fetchUserInfo(config, tokens.access_token, subject);
        return { claims: { ...claims }, idToken };
      } catch (error) {
        throw refusalFor(error, 'userinfo', options.logger);
      }
    },

    async endSessionUrl(idToken, state) {
      let config: oidc.Configuration;
      try {
        config = await configure();
      } catch {
        return undefined;
      }
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        state,
        post_logout_redirect_uri: options.postLogoutRedirectUri,
      });
    },
  };
}

const UNREACHABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_CONFORM']);

/**
 * Sorts what openid-client threw into the refusal the person is shown. The log keeps the library's code and
 * message only: its `cause` may hold the provider's answer, tokens and personal data included.
 */
function refusalFor(
  error: unknown,
  step: 'discovery' | 'token' | 'userinfo',
  logger: Logger,
): ProConnectRefused {
  let reason: ProConnectRefusal;
  if (error instanceof ProConnectRefused) return error;
  if (error instanceof oidc.AuthorizationResponseError) {
    reason = error.error === 'access_denied' ? 'denied' : 'provider_error';
  } else if (error instanceof oidc.ResponseBodyError) {
    reason =
      error.error === 'invalid_grant' ? 'code' : error.status >= 500 ? 'unavailable' : 'provider_error';
  } else if (step === 'discovery') {
    reason = 'unavailable';
  } else if (error instanceof oidc.ClientError && UNREACHABLE_CODES.has(error.code ?? '')) {
    reason = 'unavailable';
  } else if (error instanceof TypeError && error.message === 'fetch failed') {
    // fetch's own failure (refused connection, unknown host): the provider is out of reach.
    reason = 'unavailable';
  } else {
    reason = step === 'userinfo' ? 'userinfo' : 'id_token';
  }
  logger.warn(
    {
      step,
      reason,
      code: error instanceof oidc.ClientError ? error.code : undefined,
      error:
        error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError
          ? error.error
          : undefined,
      message: error instanceof Error ? error.message : undefined,
    },
    'ProConnect sign-in refused',
  );
  return new ProConnectRefused(reason);
}
