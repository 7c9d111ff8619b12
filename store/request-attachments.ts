import type { Queryable } from './pool.ts';
import { EDITABLE_SQL } from './requests.ts';

export interface AttachmentInfo {
  id: string;
  kind: string;
  fileName: string;
  originalName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

const COLUMNS = 'id, kind, file_name, original_name, content_type, size_bytes, sha256, created_at';

interface Row {
  id: string;
  kind: string;
  file_name: string;
  original_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_at: Date;
}

const toInfo = (row: Row): AttachmentInfo => ({
  id: row.id,
  kind: row.kind,
  fileName: row.file_name,
  originalName: row.original_name,
  contentType: row.content_type,
  sizeBytes: row.size_bytes,
  sha256: row.sha256,
  createdAt: row.created_at,
});

/**
 * Stores a file if the request can still be edited, in the same statement as the check, so an upload racing
 * a submission cannot slip into a submitted request.
 */
export async function insertAttachment(
  db: Queryable,
  file: {
    requestId: string;
    kind: string;
    fileName: string;
    originalName: string;
    contentType: string;
    content: Buffer;
    sha256: string;
    uploadedBy: string;
  },
): Promise<AttachmentInfo | undefined> {
  const { rows } = await db.query<Row>(
    `INSERT INTO request_attachments (request_id, kind, file_name, original_name, content_type, size_bytes, sha256, content, uploaded_by)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM access_requests
      WHERE id = $1 AND state IN (${EDITABLE_SQL})
     RETURNING ${COLUMNS}`,
    [
      file.requestId,
      file.kind,
      file.fileName,
      file.originalName,
      file.contentType,
      file.content.length,
      file.sha256,
      file.content,
      file.uploadedBy,
    ],
  );
  return rows[0] && toInfo(rows[0]);
}

export async function listAttachments(db: Queryable, requestId: string): Promise<AttachmentInfo[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM request_attachments WHERE request_id = $1 ORDER BY created_at, id`,
    [requestId],
  );
  return rows.map(toInfo);
}

export async function findAttachmentContent(
  db: Queryable,
  requestId: string,
  id: string,
): Promise<(AttachmentInfo & { content: Buffer }) | undefined> {
  const { rows } = await db.query<Row & { content: Buffer }>(
    `SELECT ${COLUMNS}, content FROM request_attachments WHERE request_id = $1 AND id = $2`,
    [requestId, id],
  );
  return rows[0] && { ...toInfo(rows[0]), content: rows[0].content };
}

/** Deletes a file while the request can still be edited; what was deleted, or undefined if nothing was. */
export async function deleteAttachment(
  db: Queryable,
  requestId: string,
  id: string,
): Promise<Pick<AttachmentInfo, 'kind' | 'fileName'> | undefined> {
  const { rows } = await db.query<{ kind: string; file_name: string }>(
    `DELETE FROM request_attachments a USING access_requests r
      WHERE a.id = $2 AND a.request_id = $1 AND r.id = a.request_id AND r.state IN (${EDITABLE_SQL})
      RETURNING a.kind, a.file_name`,
    [requestId, id],
  );
  return rows[0] && { kind: rows[0].kind, fileName: rows[0].file_name };
}
