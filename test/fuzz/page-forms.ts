import type { Cast, SignedCaller } from './cast.ts';
import type { CallerName } from './fuzz-request.ts';
import type { PageRoute } from './page-routes.ts';
import { collectionsOf } from './path-segments.ts';

/**
 * What the pages' forms look like, learnt by reading the pages the cast can see: for each POST route, the
 * fields its forms send (with the values the page offers: hidden fields, options, checkboxes), whether they send
 * a file, and who was shown them; for each GET route, the query parameters of its search forms and links. The addresses met on the way teach the cast the values of path parameters
 * that are not ids (a form's step, a support decision).
 */
export interface FormKnowledge {
  fields: Map<string, string[]>;
  fileFields: Set<string>;
  multipart: boolean;
  seenBy: Set<CallerName>;
}

export interface Crawl {
  forms: Map<string, FormKnowledge>;
  pagesRead: number;
  /** GET answers of 500 or more met while reading (each a failure of its own). */
  failures: { caller: CallerName; path: string; status: number }[];
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#39;': "'",
  '&#x3D;': '=',
  '&#x60;': '`',
  '&#x2F;': '/',
};
const decode = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#x27|#39|#x3D|#x60|#x2F);/g, (entity) => ENTITIES[entity] ?? entity);
const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1] === undefined ? undefined : decode(match[1]);
};

/** Addresses not worth reading: static files, downloads, signing out, the development mailbox. */
const SKIPPED = /^\/(static|dsfr|dev)\/|\/deconnexion|\.csv$|\/pdf$|\/telecharger/;

export async function readPages(
  routes: PageRoute[],
  cast: Cast,
  readers: SignedCaller[],
  budgetPerReader: number,
): Promise<Crawl> {
  const forms = new Map<string, FormKnowledge>();
  const failures: Crawl['failures'] = [];
  const posts = routes.filter((route) => route.method === 'POST');
  const gets = routes.filter((route) => route.method === 'GET');
  let pagesRead = 0;

  const learnPath = (path: string, route: PageRoute) => {
    const match = route.pattern.exec(path);
    if (!match) return false;
    const collections = collectionsOf(route.path);
    route.params.forEach((name, index) => {
      const value = decodeURIComponent(match[index + 1] ?? '');
      cast.learn(`${collections[name] ?? ''}/${name}`, value);
      cast.learn(name, value);
    });
    return true;
  };

  const knowledgeOf = (key: string, reader: CallerName): FormKnowledge => {
    const known = forms.get(key) ?? {
      fields: new Map<string, string[]>(),
      fileFields: new Set<string>(),
      multipart: false,
      seenBy: new Set<CallerName>(),
    };
    known.seenBy.add(reader);
    forms.set(key, known);
    return known;
  };
  const offer = (known: FormKnowledge, name: string, offered: string[]) => {
    const values = known.fields.get(name) ?? [];
    for (const value of offered) if (!values.includes(value) && values.length < 8) values.push(value);
    known.fields.set(name, values);
  };

  for (const reader of readers) {
    const client = cast.client(reader);
    // Every page without parameters first, then the others with the cast's ids, then the links met.
    const queue: string[] = [
      ...gets.filter((route) => route.params.length === 0).map((route) => route.path),
      ...gets.filter((route) => route.params.length > 0).flatMap((route) => fill(route, cast)),
    ];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < budgetPerReader) {
      const path = queue.shift()!;
      if (seen.has(path) || SKIPPED.test(path)) continue;
      seen.add(path);
      const answer = await client.get(path);
      pagesRead += 1;
      if (answer.status >= 500) failures.push({ caller: reader, path, status: answer.status });
      if (!(answer.headers.get('content-type') ?? '').includes('text/html')) continue;
      const html = answer.text;
      for (const href of html.matchAll(/<a\s[^>]*href="(\/[^"#]*)"/g)) {
        const [target = '', query] = decode(href[1]!).split('?');
        // The first route that matches, as Express picks it (`/demandes/nouvelle` is no request's id).
        const route = gets.find((candidate) => learnPath(target, candidate));
        if (route && query !== undefined) {
          const known = knowledgeOf(route.key, reader);
          for (const [name, value] of new URLSearchParams(query)) offer(known, name, [value]);
        }
        if (!seen.has(target)) queue.push(target);
      }
      for (const form of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
        const [, tag = '', inner = ''] = form;
        const method = (attribute(tag, 'method') ?? 'get').toUpperCase();
        const action = (attribute(tag, 'action') ?? path).split('?')[0]!;
        const route = (method === 'POST' ? posts : gets).find((candidate) => learnPath(action, candidate));
        if (!route) continue;
        const known = knowledgeOf(route.key, reader);
        if ((attribute(tag, 'enctype') ?? '').includes('multipart')) known.multipart = true;
        for (const control of inner.matchAll(/<(input|select|textarea)\b([^>]*)>([\s\S]*?<\/select>)?/g)) {
          const [, element = '', attributes = '', options = ''] = control;
          const name = attribute(attributes, 'name');
          if (name === undefined || name === '_csrf') continue;
          if (attribute(attributes, 'type') === 'file') known.fileFields.add(name);
          offer(
            known,
            name,
            element === 'select'
              ? [...options.matchAll(/<option\b[^>]*value="([^"]*)"/g)].map((option) => decode(option[1]!))
              : [attribute(attributes, 'value') ?? ''],
          );
        }
      }
    }
  }
  return { forms, pagesRead, failures };
}

/** The addresses of a GET route with its parameters filled from what the cast owns (none if it owns nothing fit). */
function fill(route: PageRoute, cast: Cast): string[] {
  const collections = collectionsOf(route.path);
  let paths = [route.path];
  for (const name of route.params) {
    const pool =
      cast.pools.get(`${collections[name] ?? ''}/${name}`) ??
      cast.pools.get(name) ??
      cast.pools.get(collections[name] ?? '');
    if (!pool) return [];
    paths = paths.flatMap((path) =>
      pool.slice(0, 2).map((value) => path.replace(`:${name}`, encodeURIComponent(value))),
    );
  }
  return paths;
}
