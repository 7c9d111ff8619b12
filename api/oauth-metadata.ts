import { Router } from 'express';
import { INTROSPECTION_PATH } from './introspection-routes.ts';

export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414), so that a provider's OAuth library configures token
 * introspection by discovery instead of by hand. Sésame issues its credentials through its own pages, not through
 * OAuth flows: there is no authorization or token endpoint and no response type to announce.
 */
export function oauthMetadataRouter(publicUrl: URL): Router {
  const issuer = publicUrl.toString().replace(/\/$/, '');
  const metadata = JSON.stringify({
    issuer,
    introspection_endpoint: `${issuer}${INTROSPECTION_PATH}`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: [],
    grant_types_supported: [],
  });
  const router = Router();
  router.get(OAUTH_METADATA_PATH, (_req, res) => {
    res.type('application/json').set('Cache-Control', 'public, max-age=3600').send(metadata);
  });
  return router;
}
