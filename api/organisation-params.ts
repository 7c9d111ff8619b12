import { z } from 'zod';
import type { ExportFile } from '../app/organisation-exports.ts';
import type { ApiResult, ResponseSpec } from './route.ts';

/** The path parameter of every organisation route: a SIRET (anything else names nothing: 404). */
export const siretParams = z.object({ siret: z.string().regex(/^\d{14}$/) });

export const csvResponse: ResponseSpec = {
  description: 'A CSV file: UTF-8 with a byte-order mark, `;` between fields, CRLF line ends.',
  mediaType: 'text/csv',
};

/** A file to download, under the name it was given. */
export function csvAnswer(file: ExportFile): ApiResult {
  return {
    status: 200,
    headers: {
      'Content-Type': file.mediaType,
      'Content-Disposition': `attachment; filename="${file.filename}"`,
      'Cache-Control': 'no-store',
    },
    raw: file.content,
  };
}
