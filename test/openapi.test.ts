import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ worker: false });
});
after(async () => {
  await platform.stop();
});

type Operation = { summary?: string; responses: Record<string, unknown>; requestBody?: unknown };

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, built from the schemas that validate the routes', async () => {
    const answer = await platform.client().get('/api/v1/openapi.json');
    assert.equal(answer.status, 200);
    const doc = answer.json;
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.components.schemas.User);
    assert.ok(doc.components.schemas.Error);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
      'csrfToken',
      'providerBasic',
      'sessionCookie',
    ]);

    const signIn = doc.paths['/api/v1/session'].post;
    const body = signIn.requestBody.content['application/json'].schema;
    assert.deepEqual([...body.required].sort(), ['email', 'password']);
    assert.ok(
      signIn.responses['200'] &&
        signIn.responses['401'] &&
        signIn.responses['422'] &&
        signIn.responses['429'],
    );
  });

  it('documents every route the API answers, and only those', async () => {
    const doc = (await platform.client().get('/api/v1/openapi.json')).json;
    const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );
    assert.ok(operations.length >= 5);
    for (const { path, method, operation } of operations) {
      assert.ok(operation.summary, `${method} ${path} has a summary`);
      assert.ok(operation.responses['500'], `${method} ${path} documents its error answer`);
      // An anonymous call reaches the route: it is refused by it, not by the catch-all 404.
      const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const answer = await platform.client().request(method.toUpperCase(), url, {
        headers: { 'content-type': 'application/json' },
        body: method === 'get' ? undefined : '{}',
      });
      assert.notEqual(
        answer.json?.message,
        'Aucune route ne correspond à cette adresse.',
        `${method} ${path} exists`,
      );
    }
  });
});
