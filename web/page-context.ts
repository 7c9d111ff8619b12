import type { NextFunction, Request, Response } from 'express';
import { hasStaffRole } from '../domain/roles.ts';
import { csrfToken } from '../http/csrf.ts';
import { flash, takeFlashes } from './flash.ts';
import { mainNavigation, publicNavigation } from './navigation.ts';

/**
 * What every page's layout needs: who is signed in, their navigation, the CSRF token of their forms, pending
 * messages.
 */
export function pageContext(options: { devMailbox: boolean }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.currentUser = req.user;
    res.locals.currentUserIsAdmin = req.user !== undefined && hasStaffRole(req.user.staffRoles, 'admin');
    res.locals.navigation = req.user
      ? mainNavigation(req.user.staffRoles, req.path)
      : publicNavigation(req.path);
    res.locals.accountPageIsCurrent = req.path === '/compte';
    res.locals.devMailbox = options.devMailbox;
    if (req.user) res.locals.csrfToken = csrfToken(req);
    if (req.method === 'GET') res.locals.flashes = takeFlashes(req);
    next();
  };
}

/** Only paths of this site: an address from elsewhere in `retour` would make the sign-in page an open redirect. */
export function safeReturnPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : undefined;
}

export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  flash(req, 'info', 'Veuillez vous connecter pour accéder à cette page.');
  res.redirect(`/connexion?retour=${encodeURIComponent(req.originalUrl)}`);
}
