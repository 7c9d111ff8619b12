/**
 * Addresses anyone can open. They say nothing about who employs their owner, so they never match an
 * organisation's members and never create an organisation on their own (spec §2): support decides.
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  // French providers
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'sfr.fr',
  'neuf.fr',
  'cegetel.net',
  'club-internet.fr',
  'aliceadsl.fr',
  'bbox.fr',
  'numericable.fr',
  'noos.fr',
  'laposte.net',
  'voila.fr',
  'aol.fr',
  'dbmail.com',
  'libertysurf.fr',
  'tiscali.fr',
  'nordnet.fr',
  // International providers
  'gmail.com',
  'googlemail.com',
  'yahoo.fr',
  'yahoo.com',
  'ymail.com',
  'hotmail.fr',
  'hotmail.com',
  'live.fr',
  'live.com',
  'msn.com',
  'outlook.fr',
  'outlook.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'gmx.fr',
  'gmx.com',
  'gmx.de',
  'mail.com',
  'protonmail.com',
  'proton.me',
  'pm.me',
  'tutanota.com',
  'tuta.io',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'fastmail.com',
  'hushmail.com',
  'mailo.com',
  'netcourrier.com',
]);

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL_DOMAINS.has(domain.toLowerCase());
}
