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
];
