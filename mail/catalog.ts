/**
 * Every email the platform sends, with the data its templates use. Each name has three files in
 * mail/templates/: `<name>.subject.hbs`, `<name>.text.hbs` and `<name>.html.hbs`.
 * Values listed under `secrets` are never stored in clear: see mail/mailer.ts.
 */
export interface MailCatalog {
  'test-email': { data: { requestedBy: string; requestedAt: string }; secrets: never };
  activation: { data: { givenName: string; expiresAt: string }; secrets: 'activationUrl' };
  'account-exists': {
    data: { pending: boolean; signInUrl: string; forgottenPasswordUrl: string };
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
  'credential-available',
  'token-expiring',
  'token-expired',
  'token-changed',
  'technical-account-changed',
  'technical-account-expiring',
];
