import { z } from 'zod';
import { textInput } from './text-input.ts';

/** The page asked for in a paged list: from 1, capped so that an offset stays a reasonable number. */
export const pageNumber = z.coerce
  .number({ error: 'Numéro de page attendu.' })
  .int('Numéro de page attendu.')
  .min(1, 'Les pages commencent à 1.')
  .max(10_000, 'Numéro de page trop grand.')
  .default(1);

/** The text searched for in a list, as a person types it. */
export const searchText = (options: { required?: string } = {}) =>
  textInput(options).trim().max(200, 'Recherche trop longue (200 caractères au plus).');
