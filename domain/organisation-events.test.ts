import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeOrganisationEvent,
  ORGANISATION_EVENT_LABELS,
  ORGANISATION_EVENT_TYPES,
  peopleNamedBy,
  type OrganisationEventInput,
} from './organisation-events.ts';

const names = {
  actor: 'Camille Martin',
  person: (id: string) => ({ u1: 'Claude Dupont', u2: 'Alex Morel' })[id] ?? null,
};

const EXAMPLES: OrganisationEventInput[] = [
  { type: 'member_joined', details: { userId: 'u1', roles: ['demandeur'], joinedVia: 'email_domain' } },
  { type: 'member_roles_changed', details: { userId: 'u1', from: ['demandeur'], to: ['administrateur'] } },
  { type: 'member_removed', details: { userId: 'u1', roles: ['demandeur'] } },
  { type: 'member_left', details: { userId: 'u1', roles: ['demandeur'] } },
  { type: 'main_manager_handed_over', details: { fromUserId: 'u1', toUserId: 'u2' } },
  {
    type: 'invitation_codes_created',
    details: { codeIds: ['c1', 'c2'], count: 2, roles: ['lecteur'], expiresAt: '2026-01-01T00:00:00Z' },
  },
  { type: 'invitation_code_redeemed', details: { codeId: 'c1', userId: 'u2', roles: ['lecteur'] } },
  { type: 'invitation_code_deactivated', details: { codeId: 'c2' } },
  { type: 'request_submitted', details: { requestId: 'r1', title: 'Aides sociales' } },
  { type: 'request_decided', details: { requestId: 'r1', decision: 'changes_requested' } },
  { type: 'credential_issued', details: { credentialId: 't1', kind: 'token' } },
  { type: 'credential_revoked', details: { credentialId: 't1', kind: 'technical_account' } },
  { type: 'credential_rotated', details: { credentialId: 't1', kind: 'token' } },
];

describe('the organisation’s event feed', () => {
  it('has a label and a French sentence for every type, including those of requests and credentials', () => {
    assert.deepEqual(EXAMPLES.map((event) => event.type).sort(), [...ORGANISATION_EVENT_TYPES].sort());
    for (const event of EXAMPLES) {
      assert.ok(ORGANISATION_EVENT_LABELS[event.type]);
      const sentence = describeOrganisationEvent(event, names);
      assert.match(sentence, /^\S.*\.$/, `${event.type}: ${sentence}`);
      assert.doesNotMatch(sentence, /undefined|null|\[object/, event.type);
    }
  });

  it('names the people concerned, and a removed account neutrally', () => {
    assert.equal(
      describeOrganisationEvent(EXAMPLES[1]!, names),
      'Camille Martin a changé les rôles de Claude Dupont : Demandeur → Administrateur.',
    );
    assert.equal(
      describeOrganisationEvent(EXAMPLES[4]!, names),
      'Claude Dupont a transmis le rôle de gestionnaire principal à Alex Morel.',
    );
    assert.equal(
      describeOrganisationEvent(
        { type: 'member_left', details: { userId: 'gone', roles: ['lecteur'] } },
        names,
      ),
      'Un ancien compte a quitté l’organisation.',
    );
    assert.deepEqual(peopleNamedBy(EXAMPLES[4]!), ['u1', 'u2']);
    assert.deepEqual(peopleNamedBy(EXAMPLES[7]!), []);
  });
});
