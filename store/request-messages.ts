import type { Queryable } from './pool.ts';

export type MessageSide = 'organisation' | 'instruction';

/** The thread between the organisation and the instructors; internal notes live here too, never shown outside. */
export interface RequestMessage {
  id: string;
  side: MessageSide;
  internal: boolean;
  body: string;
  author: { id: string; givenName: string; familyName: string } | null;
  createdAt: Date;
}

export async function insertRequestMessage(
  tx: Queryable,
  message: { requestId: string; authorId: string; side: MessageSide; internal: boolean; body: string },
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO request_messages (request_id, author_id, side, internal, body) VALUES ($1, $2, $3, $4, $5)
     RETURNING id`,
    [message.requestId, message.authorId, message.side, message.internal, message.body],
  );
  return rows[0]!.id;
}

export async function listRequestMessages(
  db: Queryable,
  requestId: string,
  options: { internal: boolean },
): Promise<RequestMessage[]> {
  const { rows } = await db.query<{
    id: string;
    side: MessageSide;
    internal: boolean;
    body: string;
    author_id: string | null;
    given_name: string | null;
    family_name: string | null;
    created_at: Date;
  }>(
    `SELECT m.id, m.side, m.internal, m.body, m.author_id, u.given_name, u.family_name, m.created_at
       FROM request_messages m LEFT JOIN users u ON u.id = m.author_id
      WHERE m.request_id = $1 AND m.internal = $2
      ORDER BY m.created_at, m.id`,
    [requestId, options.internal],
  );
  return rows.map((row) => ({
    id: row.id,
    side: row.side,
    internal: row.internal,
    body: row.body,
    author:
      row.author_id === null || row.given_name === null
        ? null
        : { id: row.author_id, givenName: row.given_name, familyName: row.family_name ?? '' },
    createdAt: row.created_at,
  }));
}

export interface Opinion {
  id: string;
  reporter: { id: string; givenName: string; familyName: string; email: string };
  askedBy: { givenName: string; familyName: string } | null;
  question: string;
  answer: string | null;
  askedAt: Date;
  answeredAt: Date | null;
}

export async function insertOpinionRequest(
  tx: Queryable,
  opinion: { requestId: string; reporterId: string; askedBy: string; question: string },
): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO request_opinions (request_id, reporter_id, asked_by, question) VALUES ($1, $2, $3, $4) RETURNING id`,
    [opinion.requestId, opinion.reporterId, opinion.askedBy, opinion.question],
  );
  return rows[0]!.id;
}

/** Records the reporter's answer once; false if the opinion was already given (or is not theirs). */
export async function answerOpinion(
  tx: Queryable,
  answer: { requestId: string; opinionId: string; reporterId: string; answer: string },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE request_opinions SET answer = $4, answered_at = now()
      WHERE id = $1 AND request_id = $2 AND reporter_id = $3 AND answer IS NULL`,
    [answer.opinionId, answer.requestId, answer.reporterId, answer.answer],
  );
  return rowCount === 1;
}

export async function listOpinions(db: Queryable, requestId: string): Promise<Opinion[]> {
  const { rows } = await db.query<{
    id: string;
    reporter_id: string;
    r_given: string;
    r_family: string;
    r_email: string;
    a_given: string | null;
    a_family: string | null;
    question: string;
    answer: string | null;
    asked_at: Date;
    answered_at: Date | null;
  }>(
    `SELECT o.id, o.reporter_id, r.given_name AS r_given, r.family_name AS r_family, r.email AS r_email,
            a.given_name AS a_given, a.family_name AS a_family, o.question, o.answer, o.asked_at, o.answered_at
       FROM request_opinions o JOIN users r ON r.id = o.reporter_id LEFT JOIN users a ON a.id = o.asked_by
      WHERE o.request_id = $1 ORDER BY o.asked_at, o.id`,
    [requestId],
  );
  return rows.map((row) => ({
    id: row.id,
    reporter: { id: row.reporter_id, givenName: row.r_given, familyName: row.r_family, email: row.r_email },
    askedBy: row.a_given === null ? null : { givenName: row.a_given, familyName: row.a_family ?? '' },
    question: row.question,
    answer: row.answer,
    askedAt: row.asked_at,
    answeredAt: row.answered_at,
  }));
}
