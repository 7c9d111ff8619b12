import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideMembership, rolesOnSupportApproval } from './organisation-matching.ts';

describe('organisation matching by email domain', () => {
  it('makes the first person of a professional domain the main manager', () => {
    const decision = decideMembership({ emailDomain: 'ville-exemple.fr', activeMemberDomains: [] });
    assert.deepEqual(decision, {
      case: 'main_manager',
      roles: ['gestionnaire_principal'],
      status: 'active',
      supportReason: null,
    });
  });

  it('lets a colleague of an active member join as applicant', () => {
    const decision = decideMembership({
      emailDomain: 'Ville-Exemple.fr',
      activeMemberDomains: ['autre.fr', 'ville-exemple.fr'],
    });
    assert.equal(decision.case, 'joined_by_domain');
    assert.deepEqual(decision.roles, ['demandeur']);
    assert.equal(decision.status, 'active');
  });

  it('sends someone of another domain to support, saying which domains are present', () => {
    const decision = decideMembership({
      emailDomain: 'prestataire.fr',
      activeMemberDomains: ['ville-exemple.fr'],
    });
    assert.equal(decision.case, 'pending_support');
    assert.equal(decision.status, 'pending_support');
    assert.match(decision.supportReason!, /prestataire\.fr.*ville-exemple\.fr/);
  });

  it('never lets a free-mail address create or join an organisation on its own', () => {
    for (const memberDomains of [[], ['gmail.com'], ['ville-exemple.fr']]) {
      const decision = decideMembership({ emailDomain: 'gmail.com', activeMemberDomains: memberDomains });
      assert.equal(decision.case, 'pending_support', memberDomains.join());
      assert.match(decision.supportReason!, /grand public/);
    }
  });

  it('gives the main manager role to the first member support approves', () => {
    assert.deepEqual(rolesOnSupportApproval(false), ['gestionnaire_principal']);
    assert.deepEqual(rolesOnSupportApproval(true), ['demandeur']);
  });
});
