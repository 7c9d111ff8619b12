import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import { pendingDeadlines, remindersSkippedBy, type Deadline } from '../domain/credential-deadlines.ts';
import type { CredentialDeps } from '../ports/credentials.ts';
import { retirementOf } from '../domain/token-status.ts';
import {
  queueToCredentialHolders,
  queueToMainManager,
  tokenMailContext,
} from '../mail/credential-notifications.ts';
import { dispatchAll, type Dispatch, type Mailer } from '../mail/mailer.ts';
import type { WebhookOutbox } from '../app/webhook-outbox.ts';
import { mintToken } from '../security/token-secrets.ts';
import { findHabilitation } from '../store/habilitations.ts';
import { findOrganisationById } from '../store/organisations.ts';
import { recordCredentialEvent } from '../store/organisation-events.ts';
import { withTransaction, type Db, type Queryable } from '../store/pool.ts';
import {
  findTechnicalAccount,
  markTechnicalAccountReminderSent,
  type TechnicalAccount,
} from '../store/technical-accounts.ts';
import {
  destroyStaleSealedSecret,
  findToken,
  findTokenByIssueKey,
  insertTokenOnce,
  lockHabilitationForCredentials,
  markExpiryNotified,
  markReminderSent,
  retireTokensSupersededBy,
  type Token,
} from '../store/tokens.ts';

export interface CredentialActivityDeps {
  db: Db;
  mailer: Mailer;
  publicUrl: URL;
  logger: Logger;
  credentials: CredentialDeps;
  webhooks: WebhookOutbox;
}

/** The issue key of the token an approval gives: one per habilitation, whatever retries happen. */
export const issueKeyOfHabilitation = (habilitationId: string) => `issue:${habilitationId}`;

export function createCredentialActivities(deps: CredentialActivityDeps) {
  const { db, mailer, credentials, logger } = deps;
  const { settings, definitions, lifecycles } = credentials;
  const link = (path: string) => new URL(path, deps.publicUrl).toString();

  const tokenContext = (tx: Queryable, token: Token) =>
    tokenMailContext(tx, token, { definitions, publicUrl: deps.publicUrl });

  const tokenRules = {
    renewalWindowMs: settings.tokenRenewalWindowMs,
    supersededGraceMs: settings.supersededTokenGraceMs,
  };

  return {
    /**
     * Issues the token of an approved habilitation, exactly once (the unique issue key decides), tells its
     * holders by email (without the secret), and starts its lifecycle workflow. Idempotent: a retry after a crash
     * finds the token, and starting the workflow or queuing the emails again does nothing. The tokens of the
     * habilitation this one superseded get the end of their grace (SUPERSEDED_TOKEN_GRACE). Definitions whose
     * credentials are technical accounts get no token: the main manager creates accounts.
     */
    async issueCredentials(habilitationId: string): Promise<{ tokenIds: string[] }> {
      const dispatches: Dispatch[] = [];
      const outcome = await withTransaction(db, async (tx) => {
        await lockHabilitationForCredentials(tx, habilitationId);
        const habilitation = await findHabilitation(tx, habilitationId);
        if (!habilitation)
          throw ApplicationFailure.nonRetryable(
            `habilitation ${habilitationId} does not exist`,
            'UnknownHabilitation',
          );
        const definition = definitions.find(habilitation.definition);
        if (!definition?.credentialTypes.includes('token')) return { tokenIds: [], retired: [] };

        const existing = await findTokenByIssueKey(tx, issueKeyOfHabilitation(habilitationId));
        if (!existing && habilitation.status !== 'active') {
          // Superseded or revoked before its token was made: a token now would be born dead.
          return { tokenIds: [], retired: [] };
        }
        const now = Date.now();
        const { token, created } = existing
          ? { token: existing, created: false }
          : await insertTokenOnce(tx, {
              ...mintToken(credentials.tokenSealingKey),
              habilitationId,
              issueKey: issueKeyOfHabilitation(habilitationId),
              rotatedFrom: null,
              sealedUntil: new Date(now + settings.sealedTokenTtlMs),
              expiresAt:
                settings.tokenValidityOverrideMs === undefined
                  ? habilitation.validUntil
                  : new Date(now + settings.tokenValidityOverrideMs),
            });
        // A first revision's habilitation superseded nothing: no tokens to retire.
        const retired =
          habilitation.revision > 1
            ? await retireTokensSupersededBy(tx, habilitationId, settings.supersededTokenGraceMs)
            : [];
        if (created) {
          await recordCredentialEvent(tx, habilitationId, null, 'credential_issued', token.id);
          dispatches.push(...(await deps.webhooks.recordTokenEvent(tx, token.id, 'token.issued', 'issued')));
          dispatches.push(
            ...(await queueToCredentialHolders(
              tx,
              mailer,
              'credential-available',
              await tokenContext(tx, token),
              { sealedUntil: token.sealedUntil!.toISOString(), expiresAt: token.expiresAt.toISOString() },
              `credential-available:${habilitationId}`,
            )),
          );
        }
        return { tokenIds: [token.id], retired };
      });
      await dispatchAll(dispatches);
      for (const tokenId of outcome.tokenIds) await lifecycles.startToken(tokenId);
      for (const tokenId of outcome.retired) await lifecycles.notifyToken(tokenId);
      if (outcome.tokenIds.length > 0)
        logger.info({ habilitationId, tokenIds: outcome.tokenIds }, 'token issued');
      return { tokenIds: outcome.tokenIds };
    },

    /**
     * One step of a token's lifecycle: does what is due now (a reminder, the expiry email, destroying an
     * unrevealed sealed copy), each recorded on the row so that a retry does it once, and answers when the
     * workflow should wake next (epoch ms), or null when nothing is left; 'missing' while the token is not
     * visible. A database that cannot be reached throws, and the activity is retried for as long as it takes.
     */
    async advanceTokenLifecycle(
      tokenId: string,
      reminderOffsetsMs: number[],
    ): Promise<number | null | 'missing'> {
      const token = await findToken(db, tokenId);
      // Not committed yet (the rotation that started this workflow is finishing), or never will be.
      if (!token) return 'missing';
      const now = Date.now();
      const deadlines = pendingDeadlines(tokenSchedule(token, tokenRules), reminderOffsetsMs, now);
      for (const deadline of deadlines.filter((candidate) => candidate.at <= now)) {
        await runTokenDeadline(token, deadline, reminderOffsetsMs);
      }
      const next = deadlines.find((candidate) => candidate.at > now);
      return next ? next.at : null;
    },

    /** The same for a technical account's password: reminders before it expires. */
    async advanceTechnicalAccountLifecycle(
      accountId: string,
      reminderOffsetsMs: number[],
    ): Promise<number | null | 'missing'> {
      const account = await findTechnicalAccount(db, accountId);
      if (!account) return 'missing';
      const now = Date.now();
      const deadlines = pendingDeadlines(accountSchedule(account), reminderOffsetsMs, now).filter(
        (deadline) => deadline.kind === 'reminder',
      );
      for (const deadline of deadlines.filter((candidate) => candidate.at <= now)) {
        await remindAccount(account, deadline.offsetMs!, reminderOffsetsMs);
      }
      const next = deadlines.find((candidate) => candidate.at > now);
      return next ? next.at : null;
    },
  };

  async function runTokenDeadline(token: Token, deadline: Deadline, offsets: number[]): Promise<void> {
    if (deadline.kind === 'sealed_copy') {
      if (await destroyStaleSealedSecret(db, token.id))
        logger.info({ tokenId: token.id }, 'unrevealed token copy destroyed');
      return;
    }
    if (deadline.kind === 'retirement') return;
    const dispatches = await withTransaction(db, async (tx) => {
      if (deadline.kind === 'reminder') {
        const offsetMs = deadline.offsetMs!;
        if (!(await markReminderSent(tx, token.id, offsetMs, token.expiresAt))) return [];
        for (const skipped of remindersSkippedBy(offsetMs, offsets))
          await markReminderSent(tx, token.id, skipped, token.expiresAt);
        return queueToCredentialHolders(
          tx,
          mailer,
          'token-expiring',
          await tokenContext(tx, token),
          { visiblePart: token.visiblePart, expiresAt: token.expiresAt.toISOString() },
          `token-expiring:${token.id}:${token.expiresAt.getTime()}:${offsetMs}`,
        );
      }
      if (!(await markExpiryNotified(tx, token.id, token.expiresAt))) return [];
      const expired = await deps.webhooks.recordTokenEvent(
        tx,
        token.id,
        'token.expired',
        String(token.expiresAt.getTime()),
      );
      const queued = await queueToCredentialHolders(
        tx,
        mailer,
        'token-expired',
        await tokenContext(tx, token),
        { visiblePart: token.visiblePart, expiresAt: token.expiresAt.toISOString() },
        `token-expired:${token.id}:${token.expiresAt.getTime()}`,
      );
      return [...queued, ...expired];
    });
    await dispatchAll(dispatches);
  }

  async function remindAccount(
    account: TechnicalAccount,
    offsetMs: number,
    offsets: number[],
  ): Promise<void> {
    const dispatches = await withTransaction(db, async (tx) => {
      const marked = await markTechnicalAccountReminderSent(
        tx,
        account.id,
        [offsetMs, ...remindersSkippedBy(offsetMs, offsets)],
        account.passwordExpiresAt,
      );
      if (!marked) return [];
      const organisation = await findOrganisationById(tx, account.organisationId);
      if (!organisation) return [];
      return queueToMainManager(
        tx,
        mailer,
        'technical-account-expiring',
        account.organisationId,
        {
          organisationName: organisation.name,
          siret: organisation.siret,
          login: account.login,
          passwordExpiresAt: account.passwordExpiresAt.toISOString(),
          accountsUrl: link(`/organisations/${organisation.siret}/comptes-techniques`),
        },
        `technical-account-expiring:${account.id}:${account.passwordExpiresAt.getTime()}:${offsetMs}`,
      );
    });
    await dispatchAll(dispatches);
  }
}

function tokenSchedule(token: Token, rules: { renewalWindowMs: number; supersededGraceMs: number }) {
  const retirement = retirementOf(token, rules);
  return {
    ended: token.revokedAt !== null || token.habilitationStatus === 'revoked',
    expiresAt: token.expiresAt.getTime(),
    retiresAt: retirement?.getTime() ?? null,
    sealedUntil: token.hasSealedSecret && token.sealedUntil ? token.sealedUntil.getTime() : null,
    periodStart: (token.renewedAt ?? token.createdAt).getTime(),
    remindersSent: token.remindersSent,
    expiryNotified: token.expiryNotifiedAt !== null,
  };
}

function accountSchedule(account: TechnicalAccount) {
  return {
    ended: account.deletedAt !== null,
    expiresAt: account.passwordExpiresAt.getTime(),
    retiresAt: null,
    sealedUntil: null,
    periodStart: account.passwordSetAt.getTime(),
    remindersSent: account.remindersSent,
    // Nobody is emailed when a password expires: the reminders said it; the account stays listed as expired.
    expiryNotified: true,
  };
}

export type CredentialActivities = ReturnType<typeof createCredentialActivities>;
