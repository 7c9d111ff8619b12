/**
 * The part of oidc-provider (a development dependency, no types of its own) that the local identity provider
 * uses. Kept narrow on purpose: what is not declared here is not used.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContext {
    path: string;
    method: string;
    status: number;
    body: unknown;
    type: string;
    host: string;
    set(field: string, value: string): void;
    oidc: {
      client?: { clientId: string };
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      result?: { consent?: { grantId?: string } };
      requestParamScopes: Set<string>;
      provider: Provider;
    };
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string };
    params: Record<string, unknown>;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }

  export interface Configuration {
    clients: Record<string, unknown>[];
    jwks: { keys: Record<string, unknown>[] };
    cookies: { keys: string[] };
    scopes: string[];
    claims: Record<string, string[] | null>;
    findAccount(ctx: KoaContext, sub: string): Promise<Account | undefined>;
    features: Record<string, unknown>;
    interactions: { url(ctx: KoaContext, interaction: Interaction): string | Promise<string> };
    loadExistingGrant(ctx: KoaContext): Promise<Grant | undefined>;
    pkce: { required(): boolean };
    ttl: Record<string, number | ((...args: unknown[]) => number)>;
    renderError(ctx: KoaContext, out: Record<string, string>, error: Error): Promise<void>;
    conformIdTokenClaims: boolean;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Partial<Configuration>);
    Grant: {
      new (init: { clientId: string; accountId: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }
}
