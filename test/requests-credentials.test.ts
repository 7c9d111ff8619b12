import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestWorkflowId } from '../workflows/access-request.ts';
import { tokenWorkflowId } from '../workflows/token-lifecycle.ts';
import { emailsTo } from './helpers/accounts.ts';
import { introspect, providerCredentials } from './helpers/habilitations.ts';
import { historyText } from './helpers/history.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, fillAndSubmit, signInInstructor } from './helpers/requests.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

describe('from approval to a working credential', () => {
  it('approving a request issues its token once; the holder reveals it and the provider verifies it; revoking the request ends it', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    const approved = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`, {
      scopes: ['unites_legales_etablissements'],
    });
    assert.equal(approved.status, 200, approved.text);
    const habilitationId = approved.json.habilitationId as string;
    await emailsTo(platform, email, { subject: /validée/ });

    const habilitation = await eventually(async () => {
      const answer = await client.get(`/api/v1/habilitations/${habilitationId}`);
      return answer.status === 200 && answer.json.tokens.length === 1 ? answer.json : undefined;
    });
    const [token] = habilitation.tokens;
    assert.deepEqual(token.scopes, ['unites_legales_etablissements']);
    const revealed = await client.send('POST', `/api/v1/tokens/${token.id}/reveal`);
    assert.equal(revealed.status, 200, revealed.text);
    const secret = revealed.json.token as string;

    const provider = await providerCredentials(platform, 'api-entreprise');
    const active = await introspect(platform, provider.basic, { token: secret });
    assert.equal(active.json.active, true);
    assert.equal(active.json.sub, habilitationId);
    assert.equal(active.json.scope, 'unites_legales_etablissements');

    const history = historyText(
      await platform.services.temporal.client.workflow.getHandle(requestWorkflowId(requestId)).fetchHistory(),
    );
    assert.match(history, /issueCredentials/, 'the request workflow issued the credential');
    assert.ok(!history.includes(secret), 'the secret never enters the request’s history');

    const feed = await client.get('/api/v1/organisations/21457956700014/events');
    assert.match(JSON.stringify(feed.json), /credential_issued/);

    const revoked = await instructor.send('POST', `/api/v1/requests/${requestId}/revoke`, {
      reason: 'Usage non conforme.',
    });
    assert.equal(revoked.status, 200, revoked.text);
    const after = await introspect(platform, provider.basic, { token: secret });
    assert.deepEqual(after.json, { active: false }, 'revocation is effective on the next introspection');
    const dashboard = await client.get(`/api/v1/habilitations/${habilitationId}`);
    assert.equal(dashboard.json.tokens[0].status, 'revoked');
    // The token's lifecycle is told: it has nothing left to remind anyone of, and ends.
    const lifecycle = platform.services.temporal.client.workflow.getHandle(tokenWorkflowId(token.id));
    await eventually(
      async () => ((await lifecycle.describe()).status.name === 'COMPLETED' ? true : undefined),
      20_000,
      'the revoked token’s lifecycle to end',
    );
  });
});
