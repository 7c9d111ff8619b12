import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { hasBlock, type Definition } from '../domain/definitions.ts';
import { notFound, validationFailed } from '../domain/errors.ts';
import { looksLikePdf } from '../domain/pdf.ts';
import {
  deleteAttachment,
  findAttachmentContent,
  insertAttachment,
  listAttachments,
  type AttachmentInfo,
} from '../store/request-attachments.ts';
import type { User } from '../store/users.ts';
import type { UploadedFile } from '../domain/uploaded-file.ts';
import type { AppDeps } from './deps.ts';
import { recordDraftChange, writeDraft } from './draft-writes.ts';
import { loadVisibleRequest } from './request-access.ts';
import { parseInput } from './validation.ts';
import { withTransaction } from '../store/pool.ts';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const ATTACHMENT_KIND_LABELS = {
  legal_basis: 'Texte du cadre juridique',
  other: 'Autre pièce justificative',
} as const;
export type AttachmentKind = keyof typeof ATTACHMENT_KIND_LABELS;

function kindsOf(definition: Definition): AttachmentKind[] {
  return hasBlock(definition, 'legalBasis') ? ['legal_basis', 'other'] : ['other'];
}

export function attachmentFieldsSchema(kinds: readonly string[] = Object.keys(ATTACHMENT_KIND_LABELS)) {
  return z.object({
    kind: z.enum(kinds as [string, ...string[]], {
      error: `Type de pièce inconnu ; valeurs possibles : ${kinds.join(', ')}.`,
    }),
  });
}

/**
 * Adds a PDF to an editable request. The content decides, not the name: anything that is not really a PDF
 * is refused. The stored name is made here; the one the person gave is kept for display only.
 */
export async function addAttachment(
  deps: AppDeps,
  actor: User,
  requestId: string,
  input: unknown,
  file: UploadedFile | undefined,
): Promise<AttachmentInfo> {
  const { written } = await writeDraft(deps, actor, requestId, async (visible) => {
    const { kind } = parseInput(attachmentFieldsSchema(kindsOf(visible.definition)), input);
    if (!file || file.content.length === 0)
      throw validationFailed([{ path: 'file', message: 'Joignez un fichier PDF.' }]);
    if (file.content.length > MAX_ATTACHMENT_BYTES)
      throw validationFailed([{ path: 'file', message: 'Le fichier dépasse la taille maximale (10 Mo).' }]);
    if (!looksLikePdf(file.content))
      throw validationFailed([
        {
          path: 'file',
          message: 'Le fichier n’est pas un PDF valide. Seuls les fichiers PDF sont acceptés.',
        },
      ]);
    // The file, the request's last edit and its timeline entry: all or none.
    return withTransaction(deps.db, async (tx) => {
      const inserted = await insertAttachment(tx, {
        requestId,
        kind,
        fileName: `${kind.replace('_', '-')}-${randomBytes(6).toString('hex')}.pdf`,
        originalName: displayName(file.originalName),
        contentType: 'application/pdf',
        content: file.content,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        uploadedBy: actor.id,
      });
      if (!inserted) return undefined;
      await recordDraftChange(tx, visible, {
        type: 'attachment_added',
        actorId: actor.id,
        details: { attachmentId: inserted.id, kind, fileName: inserted.fileName },
      });
      return inserted;
    });
  });
  return written;
}

/** A name fit to show: no path, no control characters, not too long. */
function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((char) => char.charCodeAt(0) >= 0x20 && char.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  return clean === '' ? 'document.pdf' : clean;
}

export async function listRequestAttachments(deps: AppDeps, actor: User, requestId: string) {
  await loadVisibleRequest(deps, actor, requestId);
  return listAttachments(deps.db, requestId);
}

export async function downloadAttachment(
  deps: AppDeps,
  actor: User,
  requestId: string,
  attachmentId: string,
) {
  await loadVisibleRequest(deps, actor, requestId);
  const file = await findAttachmentContent(deps.db, requestId, attachmentId);
  if (!file) throw notFound();
  return file;
}

export async function removeAttachment(deps: AppDeps, actor: User, requestId: string, attachmentId: string) {
  // Nothing deleted: no such file (404), or the request stopped being editable meanwhile (409).
  await writeDraft(deps, actor, requestId, (visible) =>
    withTransaction(deps.db, async (tx) => {
      const deleted = await deleteAttachment(tx, requestId, attachmentId);
      if (!deleted) return undefined;
      await recordDraftChange(tx, visible, {
        type: 'attachment_removed',
        actorId: actor.id,
        details: { attachmentId, kind: deleted.kind, fileName: deleted.fileName },
      });
      return deleted;
    }),
  );
}
