/**
 * Every email the platform sends, with the data its templates use. Each name has three files in
 * mail/templates/: `<name>.subject.hbs`, `<name>.text.hbs` and `<name>.html.hbs`.
 * Values listed under `secrets` are never stored in clear: see mail/mailer.ts.
 */
export interface MailCatalog {
  'test-email': { data: { requestedBy: string; requestedAt: string }; secrets: never };
}

export type MailTemplate = keyof MailCatalog;
export type MailData<T extends MailTemplate> = MailCatalog[T]['data'];
export type MailSecrets<T extends MailTemplate> = [MailCatalog[T]['secrets']] extends [never]
  ? undefined
  : Record<MailCatalog[T]['secrets'], string>;

export const MAIL_TEMPLATES: readonly MailTemplate[] = ['test-email'];
