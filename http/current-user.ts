import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../store/pool.ts';
import { findUserById, type User } from '../store/users.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in person, read afresh on every request so role changes apply at once. */
    user?: User;
  }
}

export function loadCurrentUser(db: Db) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const userId = req.session?.userId;
    if (userId === undefined) return next();
    const user = await findUserById(db, userId);
    if (user?.status === 'active') {
      req.user = user;
    } else {
      // The account was disabled or removed since sign-in: the session no longer stands for anyone.
      delete req.session.userId;
    }
    next();
  };
}
