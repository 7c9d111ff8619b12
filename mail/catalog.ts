/**
 * Every email the platform sends, with the data its templates use. Each name has three files in
 * mail/templates/: `<name>.subject.hbs`, `<name>.text.hbs` and `<name>.html.hbs`.
 * Values listed under `secrets` are never stored in clear: see mail/mailer.ts.
 */
export interface MailCatalog {
  'test-email': { data: { requestedBy: string; requestedAt: string }; secrets: never };
  activation: { data: { givenName: string; expiresAt: string }; secrets: 'activationUrl' };
  'account-exists': {
    data: { pending: boolean; proconnectOnly: boolean; signInUrl: string; forgottenPasswordUrl: string };
    secrets: never;
  };
  'member-joined': {
    data: {
      recipientGivenName: string;
      memberName: string;
      memberEmail: string;
      organisationName: string;
      siret: string;
      roleLabel: string;
      joinedViaLabel: string;
    };
    secrets: never;
  };
  'support-needed': {
    data: {
      memberName: string;
      memberEmail: string;
      organisationName: string;
      siret: string;
      reason: string;
      queueUrl: string;
    };
    secrets: never;
  };
  'support-decision': {
    data: {
      givenName: string;
      organisationName: string;
      siret: string;
      approved: boolean;
      message: string;
      signInUrl: string;
    };
    secrets: never;
  };
  'password-reset': { data: { givenName: string; expiresAt: string }; secrets: 'resetUrl' };
  'invitation-redeemed': {
    data: {
      creatorGivenName: string;
      memberName: string;
      memberEmail: string;
      organisationName: string;
      siret: string;
      roleLabel: string;
      codeCreatedAt: string;
      membersUrl: string;
    };
    secrets: never;
  };
  'request-submitted': {
    data: RequestMailBase & { givenName: string };
    secrets: never;
  };
  'request-to-instruct': { data: RequestMailBase & { siret: string; resubmitted: boolean }; secrets: never };
  'request-decision': {
    data: RequestMailBase & {
      givenName: string;
      decisionLabel: string;
      validated: boolean;
      changesRequested: boolean;
      refused: boolean;
      revoked: boolean;
      archived: boolean;
      reason: string;
    };
    secrets: never;
  };
  'request-draft-reminder': {
    data: RequestMailBase & { givenName: string; editedAt: string; archiveAt: string };
    secrets: never;
  };
  'instruction-reminder': { data: RequestMailBase & { siret: string; submittedAt: string }; secrets: never };
  'request-message': { data: RequestMailBase & { authorLabel: string; message: string }; secrets: never };
  'opinion-requested': {
    data: RequestMailBase & { givenName: string; askedByName: string; question: string };
    secrets: never;
  };
  'request-support-needed': { data: RequestMailBase & { siret: string; reason: string }; secrets: never };
  // Credentials (spec §5): never the secret itself, only where to find it.
  'credential-available': {
    data: CredentialMailBase & { sealedUntil: string; expiresAt: string };
    secrets: never;
  };
  'token-expiring': { data: CredentialMailBase & { visiblePart: string; expiresAt: string }; secrets: never };
  'token-expired': { data: CredentialMailBase & { visiblePart: string; expiresAt: string }; secrets: never };
  'token-changed': {
    data: CredentialMailBase & { visiblePart: string; rotated: boolean; actorName: string; endsAt: string };
    secrets: never;
  };
  'technical-account-changed': {
    data: TechnicalAccountMailBase & { reset: boolean; actorName: string };
    secrets: never;
  };
  'technical-account-expiring': { data: TechnicalAccountMailBase; secrets: never };
  'webhook-trouble': {
    data: {
      givenName: string;
      definitionName: string;
      endpointHost: string;
      /** An event's retries are spent (otherwise the endpoint was disabled). */
      failed: boolean;
      /** Disabled because the receiver answered 410 Gone (otherwise: days of failures). */
      gone: boolean;
      eventType: string;
      eventId: string;
      webhooksUrl: string;
    };
    secrets: never;
  };
}

/** What every email about an access request says: which request, for whom, and the link to it. */
export interface RequestMailBase {
  title: string;
  definitionName: string;
  organisationName: string;
  requestUrl: string;
}

interface CredentialMailBase {
  recipientGivenName: string;
  organisationName: string;
  siret: string;
  definitionName: string;
  dashboardUrl: string;
}

interface TechnicalAccountMailBase {
  recipientGivenName: string;
  organisationName: string;
  siret: string;
  login: string;
  passwordExpiresAt: string;
  accountsUrl: string;
}

export type MailTemplate = keyof MailCatalog;
export type MailData<T extends MailTemplate> = MailCatalog[T]['data'];
export type MailSecrets<T extends MailTemplate> = [MailCatalog[T]['secrets']] extends [never]
  ? undefined
  : Record<MailCatalog[T]['secrets'], string>;

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'test-email',
  'activation',
  'account-exists',
  'member-joined',
  'support-needed',
  'support-decision',
  'password-reset',
  'invitation-redeemed',
  'request-submitted',
  'request-to-instruct',
  'request-decision',
  'request-draft-reminder',
  'instruction-reminder',
  'request-message',
  'opinion-requested',
  'request-support-needed',
  'credential-available',
  'token-expiring',
  'token-expired',
  'token-changed',
  'technical-account-changed',
  'technical-account-expiring',
  'webhook-trouble',
];
