import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs, urlProblem } from './webhooks.ts';

const production = { allowLocalHttp: false };
const development = { allowLocalHttp: true };

describe('webhook URLs as written', () => {
  it('are https in production; http only where local http is allowed', () => {
    assert.equal(urlProblem('https://api.example.fr/hooks', production), undefined);
    assert.equal(urlProblem('http://api.example.fr/hooks', production), 'scheme');
    assert.equal(urlProblem('http://127.0.0.1:8080/hooks', production), 'scheme');
    assert.equal(urlProblem('http://127.0.0.1:8080/hooks', development), undefined);
    assert.equal(urlProblem('ftp://example.fr', development), 'scheme');
    assert.equal(urlProblem('javascript:alert(1)', development), 'scheme');
  });

  it('are refused when they are not URLs, carry credentials or are too long', () => {
    assert.equal(urlProblem('api.example.fr/hooks', production), 'not_a_url');
    assert.equal(urlProblem('', production), 'not_a_url');
    assert.equal(urlProblem('https://moi:secret@api.example.fr/', production), 'credentials');
    assert.equal(urlProblem(`https://example.fr/${'a'.repeat(2_000)}`, production), 'too_long');
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it('reads seconds and HTTP dates, caps at a day and ignores nonsense', () => {
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 10:01:00 GMT', now), 60_000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
    assert.equal(retryAfterMs(String(10 * 86_400), now), 86_400_000);
    assert.equal(retryAfterMs('bientôt', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});
