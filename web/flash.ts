import type { Request, Response } from 'express';

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

/**
 * Redirects once the session (and its flash messages) is stored. express-session sends a redirect's headers
 * before its own save completes, so a browser following the redirect at once can read the session without the
 * message; saving first closes that race.
 */
export function redirectAfterSave(req: Request, res: Response, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((error) => {
      if (error) return reject(error as Error);
      res.redirect(path);
      resolve();
    });
  });
}
