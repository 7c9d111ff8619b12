import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestWorkflowId } from '../workflows/access-request.ts';
import { emailsTo } from './helpers/accounts.ts';
import { historyText } from './helpers/history.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import {
  applicantWithDraft,
  completeApiEntrepriseForm,
  fillAndSubmit,
  signInInstructor,
} from './helpers/requests.ts';

let platform: TestPlatform;
const REMINDER_AFTER_MS = 2_000;
const ARCHIVE_AFTER_MS = 2_000;

before(async () => {
  platform = await startTestPlatform({
    env: {
      REQUEST_DRAFT_REMINDER_AFTER: `${REMINDER_AFTER_MS / 1000}s`,
      REQUEST_DRAFT_ARCHIVE_AFTER: `${ARCHIVE_AFTER_MS / 1000}s`,
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
    const edited = await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      project: { title: 'Repris' },
    });
    assert.equal(edited.status, 200, edited.text);
    const editedAt = Date.parse((await client.get(`/api/v1/requests/${requestId}`)).json.editedAt);
    await eventually(
      async () => ((await stateOf(client, requestId)) === 'archived' ? true : undefined),
      30_000,
      'archived after the second count',
    );
    // Times from the request's own timeline, so a slow machine can only make them later, never earlier.
    const events = (await client.get(`/api/v1/requests/${requestId}/events`)).json as {
      type: string;
      occurredAt: string;
    }[];
    const at = (type: string) =>
      events.filter((event) => event.type === type).map((event) => Date.parse(event.occurredAt));
    const reminders = at('draft_reminder');
    assert.equal(reminders.length, 2, 'reminded again after the edit');
    assert.ok(reminders[1]! >= editedAt + REMINDER_AFTER_MS, 'the second reminder counts from the edit');
    const [archived] = at('inactivity_archive');
    assert.ok(
      archived! >= editedAt + REMINDER_AFTER_MS + ARCHIVE_AFTER_MS,
      'the archive counts from the edit too, not from the first reminder',
    );
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
