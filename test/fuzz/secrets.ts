/**
 * The secrets the run knows (passwords, session cookies, CSRF tokens, a revealed token, a technical account's
 * password, invitation codes, a provider's client secret), looked for in every answer and every log line.
 * A CSRF token has two places where it belongs — the hidden `_csrf` field of a page's forms and the `csrfToken`
 * the session API hands its own caller — which are taken out before looking.
 */
export interface SecretSighting {
  secret: string;
  where: string;
  excerpt: string;
}

export class SecretWatch {
  private readonly secrets = new Map<string, string>();

  /** Values shorter than 8 characters would be found by chance: they are not watched. */
  add(label: string, value: string | undefined): void {
    if (value === undefined || value.length < 8) return;
    if (!this.secrets.has(value)) this.secrets.set(value, label);
  }

  get size(): number {
    return this.secrets.size;
  }

  labels(): string[] {
    return [...new Set(this.secrets.values())].sort();
  }

  /** The secrets found in `text`, each with a few characters around it, the secret itself masked. */
  find(text: string, where: string): SecretSighting[] {
    const cleaned = withoutCsrfPlaces(text);
    const sightings: SecretSighting[] = [];
    for (const [value, label] of this.secrets) {
      const index = cleaned.indexOf(value);
      if (index < 0) continue;
      const excerpt =
        cleaned.slice(Math.max(0, index - 60), index) +
        `<${label}>` +
        cleaned.slice(index + value.length, index + value.length + 60);
      sightings.push({ secret: label, where, excerpt });
    }
    return sightings;
  }
}

function withoutCsrfPlaces(text: string): string {
  return text
    .replace(/(name="_csrf" value=")[^"]*"/g, '$1"')
    .replace(/(<meta name="csrf-token" content=")[^"]*"/g, '$1"')
    .replace(/("csrfToken":")[^"]*"/g, '$1"');
}
