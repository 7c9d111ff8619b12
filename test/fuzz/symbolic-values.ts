/**
 * Values are generated before the run's objects exist and must replay from a seed alone, so a generated request
 * names the objects it aims at (the applicant's draft, a token…) instead of carrying their ids; the ids are filled
 * in when the request is sent. JSON also has literals JSON.stringify cannot write (1e400, -0, a key twice): those
 * travel as raw text. Both are serialised here.
 */

/** How a real id is written: as the platform gave it, in capitals, or wrapped in something Postgres also reads. */
export type IdSpelling = 'exact' | 'upper' | 'braced' | 'no-dashes' | 'padded';

/**
 * One of the objects the callers own, chosen by what the field or path segment names (`requests`, `siret`,
 * `userId`…) and by `pick` among several; resolved when the request is sent.
 */
export class ObjectRef {
  constructor(
    readonly hint: string,
    readonly pick: number,
    readonly spelling: IdSpelling = 'exact',
  ) {}

  toString(): string {
    return `ref(${this.hint}#${this.pick}${this.spelling === 'exact' ? '' : `, ${this.spelling}`})`;
  }
}

/** JSON text put as it is where a value goes. */
export class RawJson {
  constructor(readonly text: string) {}

  toString(): string {
    return `raw(${this.text.length > 60 ? `${this.text.slice(0, 60)}…` : this.text})`;
  }
}

/** A generated value: JSON, with references and raw literals anywhere inside. */
export type FuzzValue =
  null | boolean | number | string | ObjectRef | RawJson | FuzzValue[] | { [key: string]: FuzzValue };

export type ResolveRef = (ref: ObjectRef) => string;

export function spell(id: string, spelling: IdSpelling): string {
  switch (spelling) {
    case 'exact':
      return id;
    case 'upper':
      return id.toUpperCase();
    case 'braced':
      return `{${id}}`;
    case 'no-dashes':
      return id.replaceAll('-', '');
    case 'padded':
      return ` ${id} `;
  }
}

/** JSON text of a generated value (`JSON.stringify` escapes lone surrogates; so does this). */
export function toJsonText(value: FuzzValue, resolve: ResolveRef): string {
  if (value instanceof ObjectRef) return JSON.stringify(resolve(value));
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item, resolve)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(
      ([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner, resolve)}`,
    );
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The value as a plain string where a text is expected (a form field, a query parameter). */
export function toText(value: FuzzValue, resolve: ResolveRef): string {
  if (value instanceof ObjectRef) return resolve(value);
  if (typeof value === 'string') return value;
  return toJsonText(value, resolve);
}

/** Replaces the value at `path` (keys and indices from the root); `undefined` removes it. */
export function replaceAt(
  root: FuzzValue,
  path: (string | number)[],
  next: FuzzValue | undefined,
): FuzzValue {
  if (path.length === 0) return next ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const index = Number(head);
    if (rest.length === 0 && next === undefined) copy.splice(index, 1);
    else copy[index] = replaceAt(copy[index] ?? null, rest, next);
    return copy;
  }
  if (
    root !== null &&
    typeof root === 'object' &&
    !(root instanceof ObjectRef) &&
    !(root instanceof RawJson)
  ) {
    // Entries, not assignment: a generated key may be `__proto__`, which assignment would not create.
    const key = String(head);
    const entries = Object.entries(root).filter(([name]) => name !== key);
    if (rest.length > 0 || next !== undefined)
      entries.push([key, replaceAt(Object.hasOwn(root, key) ? root[key]! : null, rest, next)]);
    return Object.fromEntries(entries);
  }
  return root;
}

/** Every place in the value (the root included), depth first, in a stable order. */
export function placesOf(root: FuzzValue, prefix: (string | number)[] = []): (string | number)[][] {
  const places = [prefix];
  if (Array.isArray(root)) root.forEach((item, index) => places.push(...placesOf(item, [...prefix, index])));
  else if (
    root !== null &&
    typeof root === 'object' &&
    !(root instanceof ObjectRef) &&
    !(root instanceof RawJson)
  )
    for (const [key, inner] of Object.entries(root)) places.push(...placesOf(inner, [...prefix, key]));
  return places;
}
