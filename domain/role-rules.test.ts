import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exclusiveConflict,
  exclusiveConflictMessage,
  handOverRoles,
  isGrantableRole,
  isOrganisationAdmin,
  planRoleChange,
} from './role-rules.ts';

describe('organisation role rules', () => {
  it('lets administrators and readers be granted, never the main manager', () => {
    assert.equal(isGrantableRole('administrateur'), true);
    assert.equal(isGrantableRole('demandeur'), true);
    assert.equal(isGrantableRole('lecteur'), true);
    assert.equal(isGrantableRole('gestionnaire_principal'), false);
  });

  it('counts the main manager and administrators as administering the organisation', () => {
    assert.equal(isOrganisationAdmin(['gestionnaire_principal']), true);
    assert.equal(isOrganisationAdmin(['demandeur', 'administrateur']), true);
    assert.equal(isOrganisationAdmin(['demandeur']), false);
    assert.equal(isOrganisationAdmin(['lecteur']), false);
  });

  it('refuses to combine the exclusive reader role, and names the conflict', () => {
    assert.equal(exclusiveConflict(['lecteur']), undefined);
    assert.equal(exclusiveConflict(['lecteur', 'lecteur']), undefined);
    assert.equal(exclusiveConflict(['administrateur', 'demandeur']), undefined);
    const conflict = exclusiveConflict(['demandeur', 'lecteur', 'administrateur']);
    assert.deepEqual(conflict, { exclusive: 'lecteur', others: ['administrateur', 'demandeur'] });
    assert.equal(
      exclusiveConflictMessage(conflict!),
      'Le rôle « Lecteur » est exclusif : il ne peut pas être combiné avec « Administrateur », « Demandeur ».',
    );
  });

  it('changes roles but never gives or takes the main manager’s role', () => {
    assert.deepEqual(planRoleChange(['demandeur'], ['administrateur', 'demandeur', 'administrateur']), {
      ok: true,
      roles: ['administrateur', 'demandeur'],
    });
    assert.deepEqual(planRoleChange(['demandeur'], ['gestionnaire_principal']), {
      ok: false,
      problem: 'grants_main_manager',
    });
    assert.deepEqual(planRoleChange(['gestionnaire_principal'], ['administrateur']), {
      ok: false,
      problem: 'removes_main_manager',
    });
    assert.deepEqual(planRoleChange(['gestionnaire_principal'], ['gestionnaire_principal', 'demandeur']), {
      ok: true,
      roles: ['gestionnaire_principal', 'demandeur'],
    });
    const conflict = planRoleChange(['gestionnaire_principal'], ['gestionnaire_principal', 'lecteur']);
    assert.equal(conflict.ok, false);
    assert.equal(!conflict.ok && conflict.problem, 'exclusive_conflict');
  });

  it('hands the main manager’s role over: the former one stays an administrator', () => {
    assert.deepEqual(handOverRoles(['gestionnaire_principal', 'demandeur'], ['demandeur']), {
      from: ['administrateur', 'demandeur'],
      to: ['gestionnaire_principal', 'demandeur'],
    });
    // A reader taking over the organisation stops being read-only.
    assert.deepEqual(handOverRoles(['gestionnaire_principal'], ['lecteur']), {
      from: ['administrateur'],
      to: ['gestionnaire_principal'],
    });
  });
});
