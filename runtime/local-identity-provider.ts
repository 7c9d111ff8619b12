import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContext } from 'oidc-provider';
import { PROCONNECT_SCOPES } from '../domain/proconnect.ts';

/**
 * A real OpenID Connect server (oidc-provider) configured like ProConnect, for development and tests: discovery,
 * the same scopes and claims, PKCE, RS256 ID tokens, userinfo answered as a signed JWT, RP-initiated logout. Its
 * sign-in page lists a few test agents of organisations of the directory stand-in's data set, so that Sésame's
 * real client code runs against it exactly as against ProConnect.
 *
 * oidc-provider is a development dependency: this module is imported only by `npm start` and the tests, never
 * by the production processes (runtime/web-main.ts, runtime/worker-main.ts).
 */

export interface TestAgent {
  /** What the person types on the sign-in page (ProConnect's `uid`). */
  login: string;
  givenName: string;
  usualName: string;
  email: string;
  /** Sent as is: tests use missing, malformed, unknown and closed ones. */
  siret?: string;
}

/** Agents of organisations of directory/organisations.json (fictional people, fictional addresses). */
export const DEFAULT_AGENTS: TestAgent[] = [
  {
    login: 'camille.martin',
    givenName: 'Camille',
    usualName: 'Martin',
    email: 'camille.martin@saint-exemple-sur-loire.fr',
    siret: '21457956700014',
  },
  {
    login: 'dominique.bernard',
    givenName: 'Dominique',
    usualName: 'Bernard',
    email: 'dominique.bernard@saint-exemple-sur-loire.fr',
    siret: '21457956700014',
  },
  {
    login: 'alix.durand',
    givenName: 'Alix',
    usualName: 'Durand',
    email: 'alix.durand@loire-exemplaire.fr',
    siret: '22450605500017',
  },
  {
    login: 'sami.robert',
    givenName: 'Sami',
    usualName: 'Robert',
    email: 'sami.robert@ddt-loire-exemplaire.gouv.fr',
    siret: '13065491600019',
  },
  {
    login: 'lou.petit',
    givenName: 'Lou',
    usualName: 'Petit',
    email: 'lou.petit@univ-fictiville.fr',
    siret: '19695860700018',
  },
];

/** What a test can make the provider get wrong in its next answer of that kind. */
export type TokenFault = 'bad_signature' | 'audience' | 'issuer' | 'expired' | 'nonce';
export type UserinfoFault = 'bad_signature' | 'unsigned' | 'subject';

export interface LocalIdentityProvider {
  /** The issuer, e.g. http://127.0.0.1:41234 */
  url: string;
  discoveryUrl: URL;
  clientId: string;
  clientSecret: string;
  addAgent(agent: TestAgent): void;
  /** The next token answer's ID token is altered, then re-signed (with the provider's key, except bad_signature). */
  tamperNextIdToken(fault: TokenFault): void;
  tamperNextUserinfo(fault: UserinfoFault): void;
  /** Lifetime of the codes issued from now on (ProConnect's are short; tests make them expire). */
  setCodeTtlSeconds(seconds: number): void;
  stop(): Promise<void>;
}

/** The `idp_id` ProConnect would send for the identity provider behind it: here, this server. */
const LOCAL_IDP_ID = 'fournisseur-identite-local';

const subjectOf = (login: string) => createHash('sha256').update(`local-idp:${login}`).digest('hex');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — fournisseur d’identité local</title>
<style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#161616}
h1{font-size:1.6rem}.note{background:#eee;padding:.75rem 1rem}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;background:#000091;color:#fff;border:0;cursor:pointer}
button.secondary{background:#fff;color:#000091;border:1px solid #000091}
label{display:block;margin:.5rem 0 .25rem}input{font:inherit;padding:.4rem;width:20rem}
ul{list-style:none;padding:0}.error{color:#ce0500;font-weight:700}
</style></head><body><main>${body}</main></body></html>`;
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const data = `${b64json(header)}.${b64json(payload)}`;
  return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
}

function decodeJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 10_000) break;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startLocalIdentityProvider(options: {
  /** Sésame's callback and post-logout addresses, as it registers them with ProConnect. */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  agents?: TestAgent[];
  host?: string;
  port?: number;
}): Promise<LocalIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  const agents = new Map<string, TestAgent>();
  for (const agent of options.agents ?? DEFAULT_AGENTS) agents.set(agent.login, agent);
  const bySubject = () => new Map([...agents.values()].map((agent) => [subjectOf(agent.login), agent]));

  const clientId = 'sesame-local';
  const clientSecret = randomBytes(32).toString('base64url');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `local-${randomBytes(6).toString('hex')}`;
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  // A key nobody publishes: what a forged token is signed with.
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  let codeTtlSeconds = 60;
  const idTokenFaults: TokenFault[] = [];
  const userinfoFaults: UserinfoFault[] = [];

  // The issuer must be known before the server listens: take the port first.
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: PROCONNECT_SCOPES,
    // As ProConnect: each claim behind a scope of its own name.
    claims: Object.fromEntries(
      PROCONNECT_SCOPES.map((scope) => [scope, scope === 'openid' ? ['sub'] : [scope]]),
    ),
    async findAccount(_ctx, sub) {
      const agent = bySubject().get(sub);
      if (!agent) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: agent.email,
            given_name: agent.givenName,
            usual_name: agent.usualName,
            uid: agent.login,
            idp_id: LOCAL_IDP_ID,
            ...(agent.siret === undefined ? {} : { siret: agent.siret }),
          };
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // ProConnect ends its session without asking: the form is sent at once.
        async logoutSource(ctx: KoaContext, form: string) {
          ctx.body = page(
            'Déconnexion',
            `<h1>Déconnexion du fournisseur d’identité local</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="confirmer">Se déconnecter</button>
<script>document.getElementById('confirmer').click()</script>`,
          );
        },
        async postLogoutSuccessSource(ctx: KoaContext) {
          ctx.body = page('Déconnecté', '<h1>Vous êtes déconnecté du fournisseur d’identité local.</h1>');
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Sésame is a first-party client, as with ProConnect: no consent screen, the requested scopes are granted.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      const grant =
        (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ??
        new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamScopes].join(' '));
      await grant.save();
      return grant;
    },
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: () => codeTtlSeconds,
      AccessToken: 300,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Erreur',
        `<h1>Le fournisseur d’identité local a refusé la demande</h1><p>${escapeHtml(out.error ?? '')} : ${escapeHtml(out.error_description ?? '')}</p>`,
      );
    },
  });

  // Test faults: the next answer of a kind is altered after oidc-provider wrote it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && idTokenFaults.length > 0) {
      const body = ctx.body as { id_token?: string };
      if (body.id_token) body.id_token = tamperIdToken(body.id_token, idTokenFaults.shift()!);
    }
    if (ctx.path === '/me' && ctx.status === 200 && userinfoFaults.length > 0) {
      ctx.body = tamperUserinfo(String(ctx.body), userinfoFaults.shift()!);
    }
  });

  function tamperIdToken(jwt: string, fault: TokenFault): string {
    const { header, payload } = decodeJwt(jwt);
    const now = Math.floor(Date.now() / 1000);
    if (fault === 'bad_signature') return signJwt(header, payload, strangerKey);
    if (fault === 'audience') payload.aud = 'un-autre-service';
    if (fault === 'issuer') payload.iss = 'http://127.0.0.1:9/un-autre-fournisseur';
    if (fault === 'expired') Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
    if (fault === 'nonce') payload.nonce = randomBytes(16).toString('base64url');
    return signJwt(header, payload, privateKey);
  }

  function tamperUserinfo(jwt: string, fault: UserinfoFault): string {
    const { header, payload } = decodeJwt(jwt);
    if (fault === 'bad_signature') return signJwt(header, payload, strangerKey);
    if (fault === 'subject')
      return signJwt(header, { ...payload, sub: subjectOf('quelqu-un-d-autre') }, privateKey);
    return JSON.stringify(payload);
  }

  const handleProvider = provider.callback();

  async function loginPage(res: ServerResponse, uid: string, error?: string) {
    const buttons = [...agents.values()]
      .map(
        (agent) =>
          `<li><button type="submit" name="login" value="${escapeHtml(agent.login)}">${escapeHtml(
            `${agent.givenName} ${agent.usualName}`,
          )}</button> ${escapeHtml(agent.email)}, SIRET ${escapeHtml(agent.siret ?? 'aucun')}</li>`,
      )
      .join('');
    res.writeHead(error ? 422 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      page(
        'Connexion',
        `<h1>Fournisseur d’identité local</h1>
<p class="note">Ce serveur tient lieu de ProConnect en développement et dans les tests : choisissez un agent de test.
Il ne vérifie aucun mot de passe.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<h2>Agents de test</h2><ul>${buttons}</ul>
<label for="identifiant">Ou saisissez un identifiant</label>
<input id="identifiant" name="login" autocomplete="off"> <button type="submit">Se connecter</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit" class="secondary">Annuler et revenir au service</button>
</form>`,
      ),
    );
  }

  async function handleInteraction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(url.pathname);
    if (!match) return false;
    const [, uid = '', action] = match;
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && !action) {
      await loginPage(res, uid);
      return true;
    }
    if (req.method !== 'POST') return false;
    if (action === '/abort') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'La personne a annulé la connexion.' },
        { mergeWithLastSubmission: false },
      );
      return true;
    }
    const form = await readForm(req);
    // A button and the text field share the name: the first non-empty value is the one chosen.
    const login =
      form
        .getAll('login')
        .find((value) => value.trim() !== '')
        ?.trim() ?? '';
    if (!agents.has(login)) {
      await loginPage(res, uid, `Aucun agent de test n’a l’identifiant « ${login} ».`);
      return true;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: subjectOf(login) } },
      { mergeWithLastSubmission: false },
    );
    return true;
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    // Browsers ask for one on every new site; nothing to show, and no 404 in their console.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    handleInteraction(req, res, url)
      .then((handled) => {
        if (!handled) handleProvider(req, res);
      })
      .catch(() => {
        if (res.headersSent) return res.end();
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Erreur', '<h1>Cette connexion a expiré. Recommencez depuis le service.</h1>'));
      });
  });

  return {
    url: issuer,
    discoveryUrl: new URL('/.well-known/openid-configuration', issuer),
    clientId,
    clientSecret,
    addAgent: (agent) => void agents.set(agent.login, agent),
    tamperNextIdToken: (fault) => void idTokenFaults.push(fault),
    tamperNextUserinfo: (fault) => void userinfoFaults.push(fault),
    setCodeTtlSeconds: (seconds) => {
      codeTtlSeconds = seconds;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
