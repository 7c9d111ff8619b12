/**
 * An API's name as a French sentence needs it, with its article: « l’API Entreprise ». A definition's name may
 * or may not start with "API" (« API Entreprise », « Chorus Pro »): both read « l’API … », so that « demande
 * d’accès à l’API Chorus Pro » is written the same way for every definition.
 */
export function theApi(name: string): string {
  const trimmed = name.trim();
  return /^API(\s|$)/i.test(trimmed) ? `l’API${trimmed.slice(3)}` : `l’API ${trimmed}`;
}
