/**
 * A JSON API client as a program using Sésame would write one: the session cookie kept from sign-in, the CSRF
 * token of the sign-in answer sent back in X-CSRF-Token on every call that changes state.
 */
export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export class ApiError extends Error {
  constructor(
    readonly what: string,
    readonly answer: ApiAnswer,
  ) {
    super(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
    this.name = 'ApiError';
  }
}

export class ApiClient {
  private readonly cookies = new Map<string, string>();
  private csrfToken: string | undefined;

  /** `baseUrl` as a function: a client that spreads its calls over several web processes, as a load balancer. */
  constructor(private readonly baseUrl: string | (() => string)) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken !== undefined) headers['x-csrf-token'] = this.csrfToken;
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const base = typeof this.baseUrl === 'string' ? this.baseUrl : this.baseUrl();
    const response = await fetch(new URL(path, base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';', 1)[0] ?? '';
      const index = pair.indexOf('=');
      if (index > 0) this.cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, body: json as T, text };
  }

  /** A call that must answer `expected`; anything else is an ApiError naming the step. */
  async expect<T>(what: string, expected: number, method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, path, body);
    if (answer.status !== expected) throw new ApiError(what, answer);
    return answer.body;
  }

  /** The session cookie's and CSRF token's values: what must never appear in a log or an email. */
  credentials(): string[] {
    return [...this.cookies.values(), ...(this.csrfToken === undefined ? [] : [this.csrfToken])];
  }

  async signIn(email: string, password: string): Promise<{ id: string }> {
    const session = await this.expect<{ user: { id: string }; csrfToken: string }>(
      `sign-in of ${email}`,
      200,
      'POST',
      '/api/v1/session',
      { email, password },
    );
    this.csrfToken = session.csrfToken;
    return session.user;
  }
}
