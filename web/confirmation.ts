import type { Response } from 'express';

/** An irreversible action's confirmation page (spec §7b): what will happen, a button that says it, a way back. */
export interface Confirmation {
  title: string;
  /** What the person is about to do, as a question or a statement ("Révoquer le jeton sesame_ab12… ?"). */
  heading: string;
  /** What follows and what cannot be undone, in a sentence or two. */
  consequences: string[];
  /** Where the form posts; the action itself is the same POST the button used before. */
  action: string;
  confirmLabel: string;
  /** The DSFR icon of the confirming button (it keeps its words: the group is icon-left). */
  confirmIcon?: string;
  cancelHref: string;
  hidden?: Record<string, string>;
  /**
   * A text the person writes as they confirm (the reason of a revocation, sent to the organisation): required,
   * shown back with its error when the confirmation was refused.
   */
  textField?: { id: string; name: string; label: string; hint?: string; value?: string; error?: string };
}

export function renderConfirmation(res: Response, confirmation: Confirmation): void {
  res.render('confirmation', {
    ...confirmation,
    hidden: Object.entries(confirmation.hidden ?? {}).map(([name, value]) => ({ name, value })),
  });
}
