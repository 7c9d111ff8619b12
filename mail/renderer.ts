import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { theApi } from '../domain/api-name.ts';
import { formatDate, formatDateTime } from '../domain/french-format.ts';
import { MAIL_TEMPLATES, type MailTemplate } from './catalog.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface MailRenderer {
  render(template: MailTemplate, data: Record<string, unknown>): RenderedEmail;
}

const TEMPLATES_DIR = new URL('./templates/', import.meta.url);

/** Compiles every template once, at start-up, so a missing or broken template stops the process early. */
export function createMailRenderer(options: { publicUrl: URL }): MailRenderer {
  const html = Handlebars.create();
  const text = Handlebars.create();
  for (const engine of [html, text]) {
    engine.registerHelper('dateTime', (value: string) => formatDateTime(value));
    engine.registerHelper('date', (value: string) => formatDate(value));
    // « l’API Entreprise »: a definition's name in a sentence, with its article.
    engine.registerHelper('theApi', (name: string) => theApi(name));
  }
  const read = (file: string) => readFileSync(new URL(file, TEMPLATES_DIR), 'utf8');
  const layout = html.compile(read('_layout.html.hbs'), { strict: true });
  const compiled = new Map(
    MAIL_TEMPLATES.map((name) => [
      name,
      {
        subject: text.compile(read(`${name}.subject.hbs`), { noEscape: true, strict: true }),
        text: text.compile(read(`${name}.text.hbs`), { noEscape: true, strict: true }),
        html: html.compile(read(`${name}.html.hbs`), { strict: true }),
      },
    ]),
  );
  const publicUrl = options.publicUrl.toString().replace(/\/$/, '');

  return {
    render(template, data) {
      const templates = compiled.get(template);
      if (!templates) throw new Error(`unknown mail template ${template}`);
      const context = { ...data, publicUrl };
      const subject = templates.subject(context).trim();
      return {
        subject,
        text: `${templates.text(context).trim()}\n\n--\nSésame — habilitations aux API publiques\n${publicUrl}\n`,
        html: layout({ subject, publicUrl, body: templates.html(context) }),
      };
    },
  };
}
