import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { create } from 'express-handlebars';
import Handlebars from 'handlebars';
import { formatDate, formatDateTime } from '../domain/french-format.ts';

const VIEWS_DIR = fileURLToPath(new URL('./views', import.meta.url));

const EMAIL_STATUS_LABELS: Record<string, string> = {
  pending: 'En attente d’envoi',
  sent: 'Envoyé',
  failed: 'En échec',
};

/** Plain text shown as HTML, with its web addresses made clickable (the development mailbox). */
function linkify(text: string): Handlebars.SafeString {
  const escaped = Handlebars.escapeExpression(text);
  return new Handlebars.SafeString(
    escaped.replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`),
  );
}

export function configureViews(app: Express): void {
  const engine = create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: `${VIEWS_DIR}/layouts`,
    partialsDir: `${VIEWS_DIR}/partials`,
    helpers: {
      eq: (a: unknown, b: unknown) => a === b,
      concat: (...parts: unknown[]) => parts.slice(0, -1).join(''),
      isDefined: (value: unknown) => value !== undefined && value !== null,
      join: (items: unknown[]) => (Array.isArray(items) ? items.join(', ') : ''),
      dateTime: (value: Date | string) => formatDateTime(value),
      date: (value: Date | string) => formatDate(value),
      emailStatus: (status: string) => EMAIL_STATUS_LABELS[status] ?? status,
      linkify,
    },
  });
  app.engine('.hbs', engine.engine);
  app.set('view engine', '.hbs');
  app.set('views', VIEWS_DIR);
  // Templates are compiled once; production should not re-read them from disk on every page.
  app.set('view cache', true);
}
