import type { Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '../domain/errors.ts';
import type { UploadedFile } from '../domain/uploaded-file.ts';

/**
 * Receives one file of a multipart/form-data body, held in memory (uploads are small and checked before they
 * are stored), with the other fields in `req.body`. Multer's refusals become a validation problem naming the
 * file field, never a 500.
 */
export async function receiveFile(
  req: Request,
  res: Response,
  spec: { field: string; maxBytes: number },
): Promise<UploadedFile | undefined> {
  const receive = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: spec.maxBytes, files: 1, fields: 10, fieldSize: 10_000, parts: 12 },
    // Browsers send file names as UTF-8 bytes; busboy would otherwise read them as latin1.
    defParamCharset: 'utf8',
  }).single(spec.field);
  await new Promise<void>((resolve, reject) => {
    receive(req, res, (error: unknown) => {
      if (error === undefined || error === null) return resolve();
      const code = error instanceof multer.MulterError ? error.code : 'MALFORMED';
      const message =
        code === 'LIMIT_FILE_SIZE'
          ? `Le fichier dépasse la taille maximale (${Math.round(spec.maxBytes / 1024 / 1024)} Mo).`
          : code === 'LIMIT_UNEXPECTED_FILE' || code === 'LIMIT_FILE_COUNT'
            ? `Envoyez un seul fichier, dans le champ « ${spec.field} ».`
            : 'L’envoi du fichier est incomplet ou mal formé.';
      reject(new AppError({ kind: 'ValidationFailed', errors: [{ path: spec.field, message }] }));
    });
  });
  const file = (req as Request & { file?: Express.Multer.File }).file;
  return file && { originalName: file.originalname, content: file.buffer };
}
