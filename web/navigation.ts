import { hasStaffRole, type StaffGrant } from '../domain/roles.ts';

export interface NavLink {
  label: string;
  href: string;
  current?: boolean;
}

export interface NavMenu {
  label: string;
  /** The id of the DSFR collapse that holds the menu's links. */
  id: string;
  links: NavLink[];
  current?: boolean;
}

export type NavEntry = NavLink | NavMenu;

/**
 * The main navigation of a signed-in person: what they do on the platform, in one line at 1280 px. Their account
 * and sign-out sit in the header tools; the platform's administration is one menu; "Instruction" is shown to
 * those who instruct, report on or support requests — not to an admin who does none of these, whose queue would
 * be empty.
 */
export function mainNavigation(grants: readonly StaffGrant[], path: string): NavEntry[] {
  const isAdmin = hasStaffRole(grants, 'admin');
  const isSupport = hasStaffRole(grants, 'support');
  const instructs = hasStaffRole(grants, 'instructeur') || hasStaffRole(grants, 'rapporteur') || isSupport;
  // A developer of one definition (or several: the first) reaches its webhooks from the menu.
  const developerOf = grants.find((grant) => grant.role === 'developpeur' && grant.definition);

  const entries: NavEntry[] = [
    { label: 'Tableau de bord', href: '/tableau-de-bord' },
    { label: 'Catalogue des API', href: '/catalogue' },
    { label: 'Mes demandes', href: '/demandes' },
    { label: 'Jetons', href: '/jetons' },
    { label: 'Code d’invitation', href: '/invitations/utiliser' },
  ];
  if (instructs) entries.push({ label: 'Instruction', href: '/instruction' });
  if (developerOf)
    entries.push({ label: 'Webhooks', href: `/developpeurs/${developerOf.definition}/webhooks` });
  if (isAdmin) {
    entries.push({
      label: 'Administration',
      id: 'menu-administration',
      links: [
        { label: 'Utilisateurs', href: '/admin/utilisateurs' },
        { label: 'Organisations', href: '/admin/organisations' },
        { label: 'Habilitations', href: '/admin/habilitations' },
        { label: 'Rôles de l’équipe', href: '/admin/roles' },
        { label: 'Rattachements à valider', href: '/support/rattachements' },
        { label: 'Courriels envoyés', href: '/admin' },
      ],
    });
  } else if (isSupport) {
    entries.push({ label: 'Support', href: '/support/rattachements' });
  }
  return markCurrent(entries, path);
}

/** A visitor's navigation: the APIs one can ask for, before having an account. */
export function publicNavigation(path: string): NavEntry[] {
  return markCurrent([{ label: 'Catalogue des API', href: '/catalogue' }], path);
}

/** The entry whose address is the longest prefix of the page's path is the current one (and its menu). */
function markCurrent(entries: NavEntry[], path: string): NavEntry[] {
  const links = entries.flatMap((entry) => ('links' in entry ? entry.links : [entry]));
  const matches = links.filter((link) => path === link.href || path.startsWith(`${link.href}/`));
  const current = matches.sort((a, b) => b.href.length - a.href.length)[0];
  if (!current) return entries;
  current.current = true;
  for (const entry of entries) if ('links' in entry && entry.links.includes(current)) entry.current = true;
  return entries;
}
