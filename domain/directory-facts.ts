/** What the Sirene directory says of an establishment, as Sésame keeps it with a sign-up and an organisation. */
export interface DirectoryFacts {
  siret: string;
  siren: string;
  /** The legal unit's name, as the directory gives it ("[NON-DIFFUSIBLE]" when its owner refused publication). */
  name: string;
  /** Sirene legal category ("nature juridique"), 4 digits; empty when the directory has none. */
  legalCategory: string;
  /** NAF code of the establishment. */
  activity: string | null;
  address: string;
  /** Both the establishment and its legal unit are open. */
  active: boolean;
  /** null when the directory does not say. */
  isAdministration: boolean | null;
}
