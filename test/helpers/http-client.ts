/**
 * A small HTTP client with a cookie jar, standing in for a browser or an API client in tests. It never
 * follows redirects, so tests see exactly what the server answered.
 */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class HttpClient {
  private readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  /** `defaultHeaders` go with every request, e.g. X-Forwarded-For to act as another client address. */
  constructor(
    readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string | Uint8Array } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...init.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: init.body,
      redirect: 'manual',
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';');
      const index = pair.indexOf('=');
      const [name, value] = [pair.slice(0, index), pair.slice(index + 1)];
      if (/expires=Thu, 01 Jan 1970/i.test(setCookie) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let json: unknown;
    if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(text);
    return { status: response.status, headers: response.headers, text, json };
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, { headers });
  }

  /** A JSON call, carrying the CSRF token obtained at sign-in. */
  send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request(method, path, {
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.csrfToken ? { 'x-csrf-token': this.csrfToken } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** A form submission, as a browser sends it. */
  postForm(path: string, fields: Record<string, string>) {
    return this.request('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Signs in as a person does, through the sign-in page and its form. */
  async signInThroughPage(email: string, password: string): Promise<HttpAnswer> {
    const form = await this.get('/connexion');
    return this.postForm('/connexion', { _csrf: csrfTokenOf(form.text), email, password });
  }

  async signIn(email: string, password: string): Promise<HttpAnswer> {
    const answer = await this.send('POST', '/api/v1/session', { email, password });
    if (answer.status === 200) this.csrfToken = answer.json.csrfToken;
    return answer;
  }
}

/** The CSRF token of the first form of a page. */
export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token in this page');
  return match[1];
}
