import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Lifecycle } from './lifecycle-resilient.ts';

/**
 * What must hold after lifecycles ran through kills, whatever the kills hit — shared by the cluster check and
 * the chaos run: each request holds exactly the transitions its lifecycle made, one habilitation per approved
 * revision, one token per habilitation, every queued email sent and received, no failed workflow.
 */

export interface Violation {
  what: string;
  detail: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The outbox row's id, as the Message-ID of the email carries it (`<id@domain>`). */
export const outboxIdOf = (messageId: string) => messageId.replace(/^<|@.*$/g, '');

/** Waits until every request has its token and no email is pending or unreceived. */
export async function settle(
  pool: pg.Pool,
  ids: string[],
  received: { messageId: string }[],
  timeoutMs = 120_000,
): Promise<{ ok: boolean; pending: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{
      without_token: number;
      pending_emails: number;
      unreceived: string[];
    }>(
      `SELECT (SELECT count(*)::int FROM unnest($1::uuid[]) AS r (id)
                WHERE NOT EXISTS (SELECT 1 FROM habilitations h JOIN tokens t ON t.habilitation_id = h.id
                                   WHERE h.request_id = r.id)) AS without_token,
              (SELECT count(*)::int FROM outbox_emails WHERE status = 'pending') AS pending_emails,
              ARRAY(SELECT id::text FROM outbox_emails) AS unreceived`,
      [ids],
    );
    const row = rows[0]!;
    const got = new Set(received.map((mail) => outboxIdOf(mail.messageId)));
    const unreceived = row.unreceived.filter((id) => !got.has(id)).length;
    if (row.without_token === 0 && row.pending_emails === 0 && unreceived === 0)
      return { ok: true, pending: {} };
    if (Date.now() > deadline)
      return {
        ok: false,
        pending: { withoutToken: row.without_token, pendingEmails: row.pending_emails, unreceived },
      };
    await sleep(500);
  }
}

/** The transitions a lifecycle makes, in order. */
function expectedTransitions(lifecycle: Lifecycle): string[] {
  return [
    'draft>submitted',
    ...(lifecycle.changesAsked ? ['submitted>changes_requested', 'changes_requested>submitted'] : []),
    'submitted>validated',
  ];
}

export async function verifyLifecycles(
  pool: pg.Pool,
  lifecycles: Lifecycle[],
  received: { messageId: string }[],
  temporal: Client,
  violations: Violation[],
) {
  const ids = lifecycles.map((lifecycle) => lifecycle.requestId);
  const { rows: requests } = await pool.query<{
    id: string;
    state: string;
    transitions: string[];
    habilitations: number;
    tokens: number[];
  }>(
    `SELECT r.id, r.state,
            ARRAY(SELECT e.from_state || '>' || e.to_state FROM request_events e
                   WHERE e.request_id = r.id AND e.from_state IS NOT NULL AND e.to_state IS NOT NULL
                     AND e.from_state <> e.to_state
                   ORDER BY e.id) AS transitions,
            (SELECT count(*)::int FROM habilitations h WHERE h.request_id = r.id) AS habilitations,
            ARRAY(SELECT count(t.id)::int FROM habilitations h LEFT JOIN tokens t ON t.habilitation_id = h.id
                   WHERE h.request_id = r.id GROUP BY h.id) AS tokens
       FROM access_requests r WHERE r.id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(requests.map((request) => [request.id, request]));
  for (const lifecycle of lifecycles) {
    const request = byId.get(lifecycle.requestId);
    const expected = expectedTransitions(lifecycle);
    if (!request) {
      violations.push({ what: 'acknowledged request missing', detail: lifecycle.requestId });
      continue;
    }
    if (request.state !== 'validated')
      violations.push({ what: 'request not validated', detail: { id: request.id, state: request.state } });
    if (request.transitions.join(',') !== expected.join(','))
      violations.push({
        what: 'transitions differ from the lifecycle',
        detail: { id: request.id, expected, stored: request.transitions },
      });
    // Each lifecycle approves one revision: one habilitation.
    if (request.habilitations !== 1)
      violations.push({
        what: 'habilitations ≠ 1',
        detail: { id: request.id, count: request.habilitations },
      });
    if (request.tokens.length !== 1 || request.tokens[0] !== 1)
      violations.push({
        what: 'tokens ≠ 1 per habilitation',
        detail: { id: request.id, tokens: request.tokens },
      });
  }

  const { rows: emails } = await pool.query<{ id: string; status: string; idempotency_key: string }>(
    `SELECT id::text, status, idempotency_key FROM outbox_emails`,
  );
  const receivedById = new Map<string, number>();
  for (const mail of received) {
    const id = outboxIdOf(mail.messageId);
    receivedById.set(id, (receivedById.get(id) ?? 0) + 1);
  }
  const notSent = emails.filter((email) => email.status !== 'sent');
  if (notSent.length > 0) violations.push({ what: 'emails not sent', detail: notSent.slice(0, 10) });
  const neverReceived = emails.filter((email) => !receivedById.has(email.id));
  if (neverReceived.length > 0)
    violations.push({ what: 'emails never received', detail: neverReceived.slice(0, 10) });
  const outboxIds = new Set(emails.map((email) => email.id));
  const strangers = [...receivedById.keys()].filter((id) => !outboxIds.has(id));
  if (strangers.length > 0)
    violations.push({ what: 'received emails the outbox does not hold', detail: strangers });
  // The same Message-ID received twice: the SMTP server took it, then the worker died before recording it.
  // Mail servers drop the copy by Message-ID; counted, not a failure.
  const redelivered = [...receivedById.values()].filter((count) => count > 1).length;

  const failed = [];
  for await (const workflow of temporal.workflow.list({
    query: 'ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut"',
  }))
    failed.push({ id: workflow.workflowId, type: workflow.type, status: workflow.status.name });
  if (failed.length > 0) violations.push({ what: 'failed workflows', detail: failed });
  const running = await countWorkflows(temporal, 'ExecutionStatus = "Running"');
  const completed = await countWorkflows(temporal, 'ExecutionStatus = "Completed"');

  return {
    requests: requests.length,
    validated: requests.filter((request) => request.state === 'validated').length,
    habilitations: requests.reduce((sum, request) => sum + request.habilitations, 0),
    tokens: requests.reduce((sum, request) => sum + request.tokens.reduce((a, b) => a + b, 0), 0),
    emails: {
      queued: emails.length,
      sent: emails.length - notSent.length,
      received: received.length,
      redelivered,
    },
    workflows: { running, completed, failed: failed.length },
  };
}

/**
 * No email twice: two outbox rows with the same template, recipient and subject about the same thing (the
 * request or token whose id their idempotency key names) are one business email queued twice. The load makes
 * every email it causes distinct by those four (each lifecycle its own title, a second version its own).
 */
export async function duplicateEmails(pool: pg.Pool): Promise<{ groups: number; examples: unknown[] }> {
  const { rows } = await pool.query<{ template: string; recipient: string; subject: string; count: number }>(
    `SELECT template, recipient, subject, substring(idempotency_key FROM '[0-9a-f-]{36}') AS about,
            count(*)::int AS count
       FROM outbox_emails
      GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`,
  );
  return { groups: rows.length, examples: rows.slice(0, 10) };
}

export async function countWorkflows(temporal: Client, query: string): Promise<number> {
  const answer = await temporal.workflowService.countWorkflowExecutions({
    namespace: temporal.options.namespace,
    query,
  });
  return Number(answer.count ?? 0);
}
