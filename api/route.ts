import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import type { UploadedFile } from '../domain/uploaded-file.ts';
import { isCsrfValid } from '../http/csrf.ts';
import { receiveFile } from '../http/uploads.ts';
import type { User } from '../store/users.ts';
import type { AccessPolicy } from './access-policies.ts';
import { zodIssuesToFieldErrors } from './errors.ts';

/**
 * An API route is declared once, with the zod schemas of what it accepts and answers. The same declaration
 * validates requests here and describes the route in the OpenAPI document (api/openapi.ts), so the two
 * cannot drift apart.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Auth = 'public' | 'session';

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Empty = z.ZodObject<Record<string, never>>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Answers that are not JSON (a CSV export): their media type, for the OpenAPI document. */
  mediaType?: string;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as it is instead of JSON (a file to download); its Content-Type goes in `headers`. */
  raw?: Buffer | string;
}

export interface UploadSpec {
  /** The multipart field that carries the file. */
  field: string;
  maxBytes: number;
  description: string;
}

export interface HandlerInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, A extends Auth> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** With `upload`: the file, or undefined when the field was absent. */
  file: UploadedFile | undefined;
  user: A extends 'session' ? User : User | undefined;
  req: Request;
  res: Response;
}

export interface RouteDefinition<
  P extends AnyObject = Empty,
  Q extends AnyObject = Empty,
  B extends z.ZodType = z.ZodUndefined,
  A extends Auth = Auth,
> {
  method: Method;
  /** Express-style path under /api/v1, e.g. `/requests/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `session`: a signed-in user, and for anything but GET the CSRF token in `X-CSRF-Token`. */
  auth: A;
  /**
   * Who may call it, and what everyone else gets (404, 403 or 401): usually one of the named policies of
   * api/access-policies.ts. Required, so that no route exists without saying who it is for; it enforces nothing
   * (app/ does) and test/authorization-matrix.test.ts checks the running platform against it.
   */
  access: AccessPolicy;
  params?: P;
  query?: Q;
  body?: B;
  /** multipart/form-data with one file: the other fields are validated by `body`. */
  upload?: UploadSpec;
  responses: Record<number, ResponseSpec>;
  handler: (input: HandlerInput<P, Q, B, A>) => Promise<ApiResult>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDefinition<any, any, any, any>;

export function defineRoute<
  P extends AnyObject = Empty,
  Q extends AnyObject = Empty,
  B extends z.ZodType = z.ZodUndefined,
  A extends Auth = Auth,
>(route: RouteDefinition<P, Q, B, A>): RouteDefinition<P, Q, B, A> {
  return route;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown): z.output<T> {
  if (schema === undefined) return undefined as z.output<T>;
  const result = schema.safeParse(value);
  if (!result.success)
    throw new AppError({ kind: 'ValidationFailed', errors: zodIssuesToFieldErrors(result.error) });
  return result.data;
}

export function mountRoute(router: Router, route: AnyRoute): void {
  router[route.method](route.path, async (req: Request, res: Response) => {
    if (route.auth === 'session') {
      if (!req.user) throw new AppError({ kind: 'Unauthenticated' });
      if (route.method !== 'get' && !isCsrfValid(req))
        throw new AppError({ kind: 'Forbidden', reason: 'csrf' });
    }
    let file: UploadedFile | undefined;
    if (route.upload !== undefined) {
      file = await receiveUpload(req, res, route.upload);
    } else if (route.body !== undefined && hasBody(req) && !req.is('application/json')) {
      res.status(415).json({
        error: 'unsupported_media_type',
        message: 'Le corps de la requête doit être envoyé en JSON (Content-Type: application/json).',
      });
      return;
    }
    // A malformed identifier in the path names nothing that exists.
    const params = route.params?.safeParse(req.params);
    if (params && !params.success) throw new AppError({ kind: 'NotFound' });

    const result = await route.handler({
      params: params?.data,
      query: parse(route.query, req.query),
      body: parse(route.body, req.body ?? {}),
      file,
      user: req.user,
      req,
      res,
    });

    // Answers go through their schema too: only documented fields ever leave the server.
    const schema = route.responses[result.status]?.schema;
    const body = schema && result.body !== undefined ? schema.parse(result.body) : result.body;
    res.set(result.headers ?? {}).status(result.status);
    if (result.raw !== undefined) res.send(result.raw);
    else if (body === undefined) res.end();
    else res.json(body);
  });
}

/** The file of a multipart route; anything but multipart/form-data is refused with the field named. */
async function receiveUpload(
  req: Request,
  res: Response,
  spec: UploadSpec,
): Promise<UploadedFile | undefined> {
  if (!req.is('multipart/form-data')) {
    throw new AppError({
      kind: 'ValidationFailed',
      errors: [{ path: spec.field, message: 'Envoyez le fichier en multipart/form-data.' }],
    });
  }
  return receiveFile(req, res, spec);
}

/** A command without input may be sent without a body at all; a body, when there is one, must be JSON. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
