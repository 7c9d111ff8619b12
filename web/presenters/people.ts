/** A person as pages name them: "Given Family"; undefined when there is no one (an automatic event). */
export function personName(person: { givenName: string; familyName: string } | null | undefined) {
  return person ? `${person.givenName} ${person.familyName}`.trim() || undefined : undefined;
}
