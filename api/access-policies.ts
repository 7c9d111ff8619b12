import type { Auth } from './route.ts';

/**
 * Who may call each API route, declared beside the route (`access` in `defineRoute`) so that the rule reads where
 * the route is. The declaration enforces nothing: app/ decides, once per rule. test/authorization-matrix.test.ts
 * signs in one person of each kind below, calls every route as each of them, and fails where the answer is not
 * the one declared — so a route cannot be added without saying who it is for, nor a check drift from it.
 *
 * The kinds are relative to the object a route is about: an organisation (the "commune" of the test's world), one
 * of its requests, habilitations or tokens (all for one API definition), or a platform feature.
 */
export const ACTOR_KINDS = [
  'anonymous',
  /** Main manager of another organisation: a member, just not of this one. */
  'otherOrganisation',
  /** `lecteur` of the organisation: sees its requests and credentials, changes nothing. */
  'reader',
  /** `demandeur` of the organisation. */
  'applicant',
  /** `administrateur` of the organisation. */
  'orgAdmin',
  /** `gestionnaire_principal` of the organisation. */
  'mainManager',
  /** `instructeur` of another API definition than the object's. */
  'otherInstructor',
  /** `instructeur` of the object's definition. */
  'instructor',
  /** `rapporteur` of the object's definition. */
  'reporter',
  /** `developpeur` of the object's definition: its provider's developers, who manage its webhooks. */
  'developer',
  'support',
  'platformAdmin',
] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * What a person who is not allowed gets: the object does not exist for them (404, spec §1: its existence is
 * private), the feature is documented but not theirs (403), they must authenticate (401), or — for an object
 * named in the body rather than the path — the field naming it is refused like any invalid choice (422).
 */
export type Denial = 'notFound' | 'forbidden' | 'unauthenticated' | { invalidField: string };

/** Who gets what from a route. */
export interface Access {
  /** Who gets the route's own answer: a 2xx, or a refusal about the input or the object's state (409, 410, 422). */
  allowed: readonly ActorKind[];
  /** Who sees the object but may not do this (403). */
  forbidden?: readonly ActorKind[];
  /** Everyone else; 'notFound' unless said. Anonymous callers of a session route always get 401. */
  others?: Denial;
}

/**
 * A route's declaration. A request's routes may say who else gets in while the request is in a state that changes
 * who sees it: a draft never submitted is the organisation's alone, and support looks at what waits for it.
 */
export interface AccessPolicy extends Access {
  whileDraft?: Access;
  whileHeldForSupport?: Access;
}

/** The states of a request that a policy may single out. */
export type RequestCase = 'draft' | 'heldForSupport';

const CASES: Record<RequestCase, 'whileDraft' | 'whileHeldForSupport'> = {
  draft: 'whileDraft',
  heldForSupport: 'whileHeldForSupport',
};

export type Outcome = 'allowed' | Denial;

/** The answer a person of this kind must get from a route (on a request in `state`), as its declaration says. */
export function expectedOutcome(
  route: { auth: Auth; access: AccessPolicy },
  actor: ActorKind,
  state?: RequestCase,
): Outcome {
  if (actor === 'anonymous' && route.auth === 'session') return 'unauthenticated';
  const access = (state && route.access[CASES[state]]) || route.access;
  if (access.allowed.includes(actor)) return 'allowed';
  if (access.forbidden?.includes(actor)) return 'forbidden';
  return access.others ?? 'notFound';
}

/** The cases a route's declaration singles out, each of which the matrix probes on a request in that state. */
export function declaredCases(access: AccessPolicy): RequestCase[] {
  return (Object.keys(CASES) as RequestCase[]).filter((state) => access[CASES[state]] !== undefined);
}

const SIGNED_IN = ACTOR_KINDS.filter((kind) => kind !== 'anonymous');
const MEMBERS = ['reader', 'applicant', 'orgAdmin', 'mainManager'] as const;
/** Members who write requests and act on credentials: all but readers (`mayWriteRequests`). */
const WRITERS = ['applicant', 'orgAdmin', 'mainManager'] as const;
const ORGANISATION_ADMINS = ['orgAdmin', 'mainManager'] as const;
const INSTRUCTORS = ['instructor', 'platformAdmin'] as const;
const INSTRUCTION_SIDE = [...INSTRUCTORS, 'reporter'] as const;

/** The policies routes share, named for who they let in. */
export const ACCESS = {
  /** Public: signing in or up, the catalogue of APIs. */
  everyone: { allowed: ACTOR_KINDS },
  /** Any signed-in person, about themselves (their profile, their organisations' lists). */
  signedIn: { allowed: SIGNED_IN },
  /** API providers, with their client credentials (HTTP Basic); a session is no credential here. */
  providerClients: { allowed: [], others: 'unauthenticated' },

  /** The organisation's active members (its feed, its requests' export). */
  organisationMembers: { allowed: MEMBERS },
  /** The organisation's facts: its members, and the platform staff who work on its requests or its membership. */
  organisationViewers: { allowed: [...MEMBERS, ...INSTRUCTION_SIDE, 'support'] },
  /** Codes, members, exports: the main manager and administrators. */
  organisationAdmins: { allowed: ORGANISATION_ADMINS },
  /** Technical accounts: the main manager's alone. */
  mainManager: { allowed: ['mainManager'] },
  /** Handing the role over: administrators know the screen and are told it is not theirs. */
  mainManagerHandOver: { allowed: ['mainManager'], forbidden: ['orgAdmin'] },

  /** Drafts, files and the applicant's commands: the members who write requests. */
  requestWriters: { allowed: WRITERS },
  /**
   * A request and its files, timeline and changes, read: its organisation, and its definition's instruction side
   * once it has been submitted; support too while the request waits for it.
   */
  requestReaders: {
    allowed: [...MEMBERS, ...INSTRUCTION_SIDE],
    whileDraft: { allowed: MEMBERS },
    whileHeldForSupport: { allowed: [...MEMBERS, ...INSTRUCTION_SIDE, 'support'] },
  },
  /** The message thread, read: the organisation and the instruction side (not support). */
  requestConversation: { allowed: [...MEMBERS, ...INSTRUCTION_SIDE], whileDraft: { allowed: MEMBERS } },
  /** The message thread, written: the organisation's writers and the definition's instructors. */
  requestThread: { allowed: [...WRITERS, ...INSTRUCTORS], whileDraft: { allowed: WRITERS } },
  /** Notes and opinions, read: the instruction side only (the organisation never learns they exist). */
  instructionSide: { allowed: INSTRUCTION_SIDE, whileDraft: { allowed: [] } },
  /** Decisions, notes, assignment, asking for an opinion. */
  instructors: { allowed: INSTRUCTORS, whileDraft: { allowed: [] } },
  /** Answering an opinion: the reporter it was asked of. */
  askedReporter: { allowed: ['reporter'], whileDraft: { allowed: [] } },
  /** Releasing a request held by the organisation check. */
  supportRelease: { allowed: ['support', 'platformAdmin'], whileDraft: { allowed: [] } },
  /**
   * The queue of every definition one instructs or reports on (support: what waits for it). It lists what has
   * been submitted: organisations' drafts are not the instruction side's to read.
   */
  instructionQueue: {
    allowed: ['otherInstructor', ...INSTRUCTION_SIDE, 'support'],
    others: 'forbidden',
  },

  /** Habilitations and their tokens, read. */
  credentialViewers: { allowed: [...MEMBERS, ...INSTRUCTION_SIDE] },
  /** Revealing, rotating, renewing a token: its holders; those who see it without holding it get 403. */
  credentialHolders: { allowed: WRITERS, forbidden: ['reader', ...INSTRUCTION_SIDE] },
  /** Revoking a token: its holders and the definition's instructors. */
  credentialRevokers: { allowed: [...WRITERS, ...INSTRUCTORS], forbidden: ['reader', 'reporter'] },

  /** The support desk (memberships waiting for a decision): a documented feature, 403 to others. */
  supportDesk: { allowed: ['support', 'platformAdmin'], others: 'forbidden' },
  /** A definition's webhooks: its developers (`developpeur`) and the platform admins; 404 to others. */
  definitionDevelopers: { allowed: ['developer', 'platformAdmin'] },
  /** Platform administration: a documented feature, 403 to others. */
  platformAdmins: { allowed: ['platformAdmin'], others: 'forbidden' },
} as const satisfies Record<string, AccessPolicy>;
