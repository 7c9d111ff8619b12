/**
 * The operations the fuzz suite attacks, read from the OpenAPI document the platform serves: what it generates
 * follows the same declarations that validate requests, so a new route is fuzzed without anyone listing it.
 */

/** A JSON Schema as the document gives it (zod-openapi's output: OpenAPI 3.1, JSON Schema 2020-12). */
export type JsonSchema = { [keyword: string]: unknown };

export type OperationAuth = 'public' | 'session' | 'provider';

export interface ApiOperation {
  /** `POST /api/v1/requests/{id}/archive`: how reports and FUZZ_ONLY name it. */
  key: string;
  method: string;
  /** The document's path, parameters in braces. */
  path: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema; required: boolean }[];
  body: { mediaType: string; schema: JsonSchema } | undefined;
  auth: OperationAuth;
}

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  security?: Record<string, unknown>[];
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the document, in the document's order. */
export function apiOperations(document: OpenApiDocument): ApiOperation[] {
  const deref = (schema: JsonSchema | undefined) => resolveRefs(schema ?? {}, document);
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const content = Object.entries(operation.requestBody?.content ?? {});
      const [mediaType, media] = content[0] ?? [];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters
          .filter((parameter) => parameter.in === 'path')
          .map((parameter) => ({ name: parameter.name, schema: deref(parameter.schema) })),
        queryParams: parameters
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({
            name: parameter.name,
            schema: deref(parameter.schema),
            required: parameter.required === true,
          })),
        body: mediaType === undefined ? undefined : { mediaType, schema: deref(media?.schema) },
        auth: authOf(operation, document),
      });
    }
  }
  return operations;
}

function authOf(operation: OpenApiOperation, document: OpenApiDocument): OperationAuth {
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.length === 0) return 'public';
  const types = schemes.map((name) => document.components?.securitySchemes?.[name]);
  return types.some((scheme) => scheme?.type === 'http' && scheme.scheme === 'basic')
    ? 'provider'
    : 'session';
}

/** The schema with `#/components/schemas/…` references replaced by what they name (a cycle stops at `{}`). */
export function resolveRefs(schema: JsonSchema, document: OpenApiDocument, seen: string[] = []): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (!target || seen.includes(name)) return {};
    return resolveRefs(target, document, [...seen, name]);
  }
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value !== null && typeof value === 'object') return resolveRefs(value as JsonSchema, document, seen);
    return value;
  };
  return Object.fromEntries(Object.entries(schema).map(([keyword, value]) => [keyword, resolve(value)]));
}

/** Property names anywhere in a schema: the vocabulary of extra fields (a field a route does not expect). */
export function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) propertyNames(item, into);
  else if (schema !== null && typeof schema === 'object') {
    const properties = (schema as JsonSchema).properties;
    if (properties !== null && typeof properties === 'object')
      for (const name of Object.keys(properties)) into.add(name);
    for (const value of Object.values(schema)) propertyNames(value, into);
  }
  return into;
}
