import type { Request } from 'express';

type FlashType = 'success' | 'info' | 'warning' | 'error';

/** A message shown once, on the next page the person sees (after a redirect). */
export function flash(req: Request, type: FlashType, message: string): void {
  req.session.flash = [...(req.session.flash ?? []), { type, message }];
}

export function takeFlashes(req: Request): { type: FlashType; message: string }[] {
  const messages = req.session?.flash;
  if (!messages) return [];
  delete req.session.flash;
  return messages;
}
