import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import { formatDateTime } from '../../domain/french-format.ts';

/**
 * The "informations de connexion" of a technical account as a PDF (seed 000: Chorus Pro's export), made in
 * memory for the one response that downloads it, from data held only for that response.
 */
export interface ConnectionInfo {
  organisation: { siret: string; name: string };
  login: string;
  password: string;
  passwordExpiresAt: Date;
  reset: boolean;
  generatedAt: Date;
  platformUrl: string;
  /** The APIs the account can call (the organisation's active habilitations that use technical accounts). */
  apis: { name: string; url: string | undefined }[];
}

const BLUE = rgb(0, 0, 145 / 255);
const GREY = rgb(0.4, 0.4, 0.4);

/** Standard PDF fonts only know WinAnsi: characters outside it are replaced rather than failing the export. */
function printable(font: PDFFont, text: string): string {
  return [...text]
    .map((char) => {
      try {
        font.encodeText(char);
        return char;
      } catch {
        return '?';
      }
    })
    .join('');
}

export async function connectionInfoPdf(info: ConnectionInfo): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  document.setTitle(`Informations de connexion — ${info.login}`);
  document.setAuthor('Sésame');
  document.setCreationDate(info.generatedAt);
  const regular = await document.embedFont(StandardFonts.Helvetica);
  const bold = await document.embedFont(StandardFonts.HelveticaBold);
  const mono = await document.embedFont(StandardFonts.Courier);
  const page: PDFPage = document.addPage([595.28, 841.89]);
  let y = 780;
  const write = (
    text: string,
    options: { font?: PDFFont; size?: number; color?: typeof BLUE; gap?: number } = {},
  ) => {
    const font = options.font ?? regular;
    const size = options.size ?? 11;
    page.drawText(printable(font, text), {
      x: 56,
      y,
      size,
      font,
      color: options.color ?? rgb(0.09, 0.09, 0.09),
    });
    y -= options.gap ?? size + 8;
  };

  write('RÉPUBLIQUE FRANÇAISE', { font: bold, size: 10 });
  write('Sésame — habilitations aux API publiques', { font: bold, size: 14, color: BLUE, gap: 36 });
  write(
    info.reset
      ? 'Réinitialisation du mot de passe du compte technique'
      : 'Informations de connexion du compte technique',
    { font: bold, size: 16, gap: 30 },
  );
  write('Structure', { font: bold });
  write(`${info.organisation.name} — SIRET ${info.organisation.siret}`, { gap: 26 });
  write('Identifiant de connexion', { font: bold });
  write(info.login, { font: mono, size: 12, gap: 26 });
  write('Mot de passe', { font: bold });
  write(info.password, { font: mono, size: 12, gap: 26 });
  write('Expiration du mot de passe', { font: bold });
  write(formatDateTime(info.passwordExpiresAt), { gap: 26 });
  write(info.apis.length > 1 ? 'API accessibles' : 'API accessible', { font: bold });
  if (info.apis.length === 0) write('Aucune habilitation active pour le moment.', { gap: 26 });
  info.apis.forEach((api, index) =>
    write(api.url ? `${api.name} (${api.url})` : api.name, {
      gap: index === info.apis.length - 1 ? 26 : 19,
    }),
  );
  write('Plateforme d’habilitation', { font: bold });
  write(`Sésame, où gérer ce compte : ${info.platformUrl}`, { gap: 26 });
  write('Utilisation', { font: bold });
  write('Authentification HTTP « Basic » : identifiant et mot de passe, en HTTPS uniquement.');
  write('Le mot de passe ne sera jamais réaffiché : conservez ce document en lieu sûr,', { gap: 19 });
  write('ou détruisez-le une fois le mot de passe enregistré dans votre logiciel.', { gap: 26 });
  if (info.reset) {
    write("N'oubliez pas de modifier vos appels de services afin d'indiquer le nouveau mot de passe.", {
      font: bold,
      gap: 26,
    });
  }
  write(`Document généré le ${formatDateTime(info.generatedAt)} depuis ${info.platformUrl}`, {
    size: 9,
    color: GREY,
  });
  return document.save();
}
