import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestWorkflowId } from '../workflows/access-request';
import { emailsTo } from './helpers/accounts';
import { historyText } from './helpers/history';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform';
import {
  applicantWithDraft,
  completeApiEntrepriseForm,
  fillAndSubmit,
  signInInstructor,
} from './helpers/requests';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({
    env: {
      REQUEST_DRAFT_REMINDER_AFTER: '2s',
      REQUEST_DRAFT_ARCHIVE_AFTER: '2s',
      REQUEST_INSTRUCTION_SLA: '2s',
    },
  });
});
after(async () => {
  await platform.stop();
});

const stateOf = async (client: { get(path: string): Promise<{ json: { state: string } }> }, id: string) =>
  (await client.get(`/api/v1/requests/${id}`)).json.state;

describe('request timers', () => {
  it('reminds the applicant of an idle draft, then archives it', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await client.send('PATCH', `/api/v1/requests/${requestId}`, { project: { title: 'Brouillon oublié' } });
    const [reminder] = await emailsTo(platform, email, { subject: /attend d’être complété/ });
    assert.match(reminder!.text, /sera archivé le/);
    await eventually(
      async () => ((await stateOf(client, requestId)) === 'archived' ? true : undefined),
      15_000,
      'archived',
    );
    await emailsTo(platform, email, { subject: /archivée/ });
    const events = (await client.get(`/api/v1/requests/${requestId}/events`)).json;
    const archive = events.find((event: { type: string }) => event.type === 'inactivity_archive');
    assert.equal(archive.actor, null, 'archived by the platform');
  });

  it('an edit after the reminder starts the count again', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await emailsTo(platform, email, { subject: /attend d’être complété/ });
    await client.send('PATCH', `/api/v1/requests/${requestId}`, { project: { title: 'Repris' } });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await stateOf(client, requestId), 'draft', 'the edit gave the draft a new delay');
    await emailsTo(platform, email, { subject: /attend d’être complété/, count: 2 });
  });

  it('reminds instructors of a submission past its SLA, and the history carries no personal data', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const [reminder] = await emailsTo(platform, 'instructeur@sesame.test', {
      subject: /en attente d’instruction/,
    });
    assert.match(reminder!.text, /dépassé le délai d’instruction/);

    const instructor = await signInInstructor(platform);
    await instructor.send('POST', `/api/v1/requests/${requestId}/messages`, {
      body: 'Message confidentiel Zéphyr',
    });
    await instructor.send('POST', `/api/v1/requests/${requestId}/request-changes`, {
      reason: 'Motif confidentiel Borée',
    });
    await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);

    const history = historyText(
      await platform.services.temporal.client.workflow.getHandle(requestWorkflowId(requestId)).fetchHistory(),
    );
    assert.match(history, /request_changes/, 'the history is readable text');
    const form = completeApiEntrepriseForm();
    for (const secret of [
      email,
      form.project.title,
      form.contacts.dpo.email,
      form.contacts.dpo.familyName,
      'Zéphyr',
      'Borée',
    ])
      assert.ok(!history.includes(secret), `${secret} is not in the workflow history`);
  });
});
