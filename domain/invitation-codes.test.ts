import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INVITATION_CODE_PATTERN,
  invitationCopyText,
  invitationStatus,
  maskInvitationCode,
  normaliseInvitationCode,
} from './invitation-codes.ts';

describe('invitation codes', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const later = new Date('2026-03-20T12:00:00Z');
  const earlier = new Date('2026-03-01T12:00:00Z');

  it('derive their status: deactivated, used, expired or valid', () => {
    assert.equal(invitationStatus({ deactivatedAt: null, usedAt: null, expiresAt: later }, now), 'valid');
    assert.equal(invitationStatus({ deactivatedAt: null, usedAt: null, expiresAt: earlier }, now), 'expired');
    assert.equal(invitationStatus({ deactivatedAt: null, usedAt: earlier, expiresAt: earlier }, now), 'used');
    assert.equal(
      invitationStatus({ deactivatedAt: earlier, usedAt: null, expiresAt: later }, now),
      'deactivated',
    );
    // Expiry is exclusive: a code stops working at its expiry instant.
    assert.equal(invitationStatus({ deactivatedAt: null, usedAt: null, expiresAt: now }, now), 'expired');
  });

  it('are masked but for their last four characters', () => {
    assert.equal(maskInvitationCode('1a2b'), '••••••••-••••-••••-••••-••••••••1a2b');
    assert.equal(maskInvitationCode('1a2b').length, 36);
  });

  it('are recognised whatever their case and surrounding blanks', () => {
    const code = normaliseInvitationCode('  0601152C-6AA0-4F6D-9E85-464249405207 ');
    assert.equal(code, '0601152c-6aa0-4f6d-9e85-464249405207');
    assert.match(code, INVITATION_CODE_PATTERN);
    assert.doesNotMatch('0601152c6aa04f6d9e85464249405207', INVITATION_CODE_PATTERN);
  });

  it('are copied with the organisation and the last valid day', () => {
    const one = invitationCopyText({
      codes: ['0601152c-6aa0-4f6d-9e85-464249405207'],
      organisationName: 'COMMUNE D’ÉTÉ',
      siret: '21457956700014',
      validUntil: '30 septembre 2026',
    });
    assert.equal(
      one,
      'Code d’invitation : 0601152c-6aa0-4f6d-9e85-464249405207\nOrganisation : COMMUNE D’ÉTÉ (SIRET 21457956700014)\nValable jusqu’au 30 septembre 2026',
    );
    const two = invitationCopyText({
      codes: ['a', 'b'],
      organisationName: 'X',
      siret: '1',
      validUntil: 'demain',
    });
    assert.match(two, /^Codes d’invitation \(un par personne\) :\na\nb\n/);
  });
});
