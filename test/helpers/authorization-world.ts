import assert from 'node:assert/strict';
import { ACTOR_KINDS, type ActorKind, type RequestCase } from '../../api/access-policies.ts';
import {
  activationTokenFor,
  emailsTo,
  GOOD_PASSWORD,
  newEmail,
  signUpAndActivate,
  SIRET,
} from './accounts.ts';
import {
  approve,
  issuedTokenOf,
  providerCredentials,
  submitRequest,
  TECHNICAL_ACCOUNT_DEFINITION,
} from './habilitations.ts';
import type { HttpClient } from './http-client.ts';
import { createPerson } from './people.ts';
import { DEMO_PASSWORD, eventually, type TestPlatform } from './platform.ts';
import { completeForm, fillAndSubmit, samplePdf, signInStaff, upload } from './requests.ts';

/**
 * One world for the authorisation matrix (test/authorization-matrix.test.ts): an organisation (the commune) with
 * a person of each role, another organisation, staff of two definitions, and the commune's objects in the states
 * the routes act on. Everything is made the way people make it, through the API (people and staff accounts are
 * inserted, then sign in); nothing here decides who may do what.
 */

/** A person of one kind, signed in once, from an address of their own (rate limits count per address). */
export interface Actor {
  kind: ActorKind;
  client: HttpClient;
  /** undefined for the anonymous caller. */
  userId: string | undefined;
  email: string | undefined;
  password: string | undefined;
  /** Another session of the same person (or a new anonymous client), for calls that end or replace it. */
  signInAgain(): Promise<HttpClient>;
}

export interface World {
  actors: Record<ActorKind, Actor>;
  /** The organisation the actors' kinds are relative to: the commune. */
  organisation: { siret: string; siren: string; name: string };
  /**
   * What anyone outside the organisation must never read in an answer: its SIRET, SIREN and name, its members'
   * addresses and its requests' titles.
   */
  privateFacts: string[];
  /** The titles of drafts never submitted: nobody outside the organisation reads them, staff included. */
  draftFacts: string[];
  /** Secrets made while building the world, each already shown once where it was made: no answer may show them. */
  secrets: { label: string; value: string }[];
  definition: string;
  requests: {
    /** Submitted, with a file, a message, a note and an opinion asked of the reporter. */
    submitted: string;
    /** A draft whose form is incomplete (a submission is refused with 422). */
    draft: string;
    draftToArchive: string;
    toApprove: string;
    toRefuse: string;
    toRequestChanges: string;
    validatedToReopen: string;
    validatedToRevoke: string;
    heldForSupport: string;
  };
  attachmentId: string;
  /** A request, with a file, in each state that a policy may single out (api/access-policies.ts), left as it is. */
  cases: Record<RequestCase, { requestId: string; attachmentId: string }>;
  habilitationId: string;
  tokenId: string;
  technicalAccounts: { toReset: string; toDelete: string };
  /** A deactivated invitation code of the organisation (redeeming it is refused: 410). */
  invitation: { id: string; code: string };
  /** An applicant whose roles the administrators set again to what they are. */
  memberId: string;
  pendingMemberships: { toApprove: string; toReject: string };
  providerCredentialId: string;
  /** Asked of the reporter on the submitted request. */
  opinionId: string;
  usedActivationToken: string;
  usedResetToken: string;
  /** A webhook endpoint of the definition (to a closed local port) and its test event. */
  webhook: { endpointId: string; eventId: string };
  /** A new file on the draft, for a probe that removes one. */
  newDraftAttachment(): Promise<string>;
  /** A new webhook endpoint of the definition, for a probe that deletes one. */
  newWebhookEndpoint(): Promise<string>;
}

/** Where the world's webhook endpoints point: a closed local port (WEBHOOK_ALLOW_LOCAL_HTTP on the matrix's platform). */
export const WORLD_WEBHOOK_URL = 'http://127.0.0.1:9/sesame';

const ipOf = (kind: ActorKind) => `10.12.0.${ACTOR_KINDS.indexOf(kind) + 1}`;

async function signedIn(platform: TestPlatform, kind: ActorKind, email: string, password: string) {
  const client = platform.client({ ip: ipOf(kind) });
  const answer = await client.signIn(email, password);
  assert.equal(answer.status, 200, `${kind} signs in: ${answer.text}`);
  return client;
}

async function actor(
  platform: TestPlatform,
  kind: ActorKind,
  person: { userId: string; email: string; password: string },
): Promise<Actor> {
  return {
    kind,
    ...person,
    client: await signedIn(platform, kind, person.email, person.password),
    signInAgain: () => signedIn(platform, kind, person.email, person.password),
  };
}

/** A complete form for `definition` whose title names the request: titles are among the facts outsiders must not read. */
function formTitled(definition: string, title: string) {
  const form = completeForm(definition);
  return { ...form, project: { ...(form.project as object), title } };
}

export async function buildAuthorizationWorld(platform: TestPlatform): Promise<World> {
  const siret = SIRET.commune;
  const definition = 'api-entreprise';
  const unique = Date.now().toString(36);
  const titles: string[] = [];
  const draftTitles: string[] = [];
  const title = (what: string, neverSubmitted = false) => {
    const value = `Dossier ${what} de la commune ${unique}`;
    titles.push(value);
    if (neverSubmitted) draftTitles.push(value);
    return value;
  };

  // The commune's first member becomes its main manager; the others join with an invitation code.
  const founder = await signUpAndActivate(platform, {
    siret,
    email: newEmail('saint-exemple.fr', 'gestionnaire'),
  });
  const manager = founder.client;
  const [
    other,
    orgAdmin,
    applicant,
    reader,
    member,
    instructor,
    otherInstructor,
    reporter,
    support,
    admin,
    developer,
  ] = await Promise.all([
    signUpAndActivate(platform, { siret: SIRET.department, email: newEmail('loire-exemplaire.fr') }),
    createPerson(platform, { invitedBy: { admin: manager, siret, roles: ['administrateur'] } }),
    createPerson(platform, { invitedBy: { admin: manager, siret, roles: ['demandeur'] } }),
    createPerson(platform, { invitedBy: { admin: manager, siret, roles: ['lecteur'] } }),
    createPerson(platform, { invitedBy: { admin: manager, siret, roles: ['demandeur'] } }),
    signInStaff(platform, [{ role: 'instructeur', definition }], 'instructeur'),
    signInStaff(platform, [{ role: 'instructeur', definition: 'api-particulier' }], 'autre-instructeur'),
    signInStaff(platform, [{ role: 'rapporteur', definition }], 'rapporteur'),
    signInStaff(platform, [{ role: 'support', definition: null }], 'support'),
    signInStaff(platform, [{ role: 'admin', definition: null }], 'admin'),
    signInStaff(platform, [{ role: 'developpeur', definition }], 'developpeur'),
  ]);
  const person = (p: { userId: string; email: string }) => ({ ...p, password: GOOD_PASSWORD });
  const staff = (p: { id: string; email: string }) => ({
    userId: p.id,
    email: p.email,
    password: DEMO_PASSWORD,
  });
  const anonymous: Actor = {
    kind: 'anonymous',
    client: platform.client({ ip: ipOf('anonymous') }),
    userId: undefined,
    email: undefined,
    password: undefined,
    signInAgain: async () => platform.client({ ip: ipOf('anonymous') }),
  };
  const actorList = await Promise.all([
    Promise.resolve(anonymous),
    actor(
      platform,
      'otherOrganisation',
      person({ userId: other.activation.user.id as string, email: other.email }),
    ),
    actor(platform, 'reader', person(reader)),
    actor(platform, 'applicant', person(applicant)),
    actor(platform, 'orgAdmin', person(orgAdmin)),
    actor(
      platform,
      'mainManager',
      person({ userId: founder.activation.user.id as string, email: founder.email }),
    ),
    actor(platform, 'otherInstructor', staff(otherInstructor)),
    actor(platform, 'instructor', staff(instructor)),
    actor(platform, 'reporter', staff(reporter)),
    actor(platform, 'developer', staff(developer)),
    actor(platform, 'support', staff(support)),
    actor(platform, 'platformAdmin', staff(admin)),
  ]);
  const actors = Object.fromEntries(actorList.map((a) => [a.kind, a])) as Record<ActorKind, Actor>;
  const writer = actors.applicant.client;

  const facts = await manager.get(`/api/v1/organisations/${siret}`);
  assert.equal(facts.status, 200, facts.text);
  const organisation = { siret, siren: facts.json.siren as string, name: facts.json.name as string };

  // Held by the organisation check: submitted while the directory says the commune's establishment has closed.
  // Alone, first: every other submission's check must see it open. One is released by support in the matrix, the
  // other stays held.
  const [heldForSupport, stillHeld] = await Promise.all([
    draftWithFile(writer, siret, definition),
    draftWithFile(writer, siret, definition),
  ]);
  platform.directory.closeEstablishment(siret);
  try {
    await Promise.all(
      [heldForSupport, stillHeld].map(async ({ requestId }, index) => {
        await fillAndSubmit(writer, requestId, formTitled(definition, title(`retenu ${index + 1}`)));
        await eventually(
          async () =>
            (await writer.get(`/api/v1/requests/${requestId}`)).json.state === 'pending_support'
              ? true
              : undefined,
          20_000,
          'a request held for support',
        );
      }),
    );
  } finally {
    platform.directory.reset();
  }

  const submitted = async (what: string) =>
    submitRequest(writer, { definition, siret, form: formTitled(definition, title(what)) });
  const validated = async (what: string, slug = definition) => {
    const requestId = await submitRequest(writer, {
      definition: slug,
      siret,
      form: formTitled(slug, title(what)),
    });
    return { requestId, habilitationId: await approve(platform, requestId) };
  };
  const [
    submittedWithFile,
    neverSubmitted,
    draft,
    draftToArchive,
    toApprove,
    toRefuse,
    toRequestChanges,
    withToken,
    validatedToReopen,
    validatedToRevoke,
    pendingToApprove,
    pendingToReject,
    provider,
  ] = await Promise.all([
    submittedRequestWithFile(writer, siret, definition, formTitled(definition, title('soumis'))),
    draftWithFile(writer, siret, definition, title('jamais soumis', true)),
    incompleteDraft(writer, siret, definition, title('brouillon', true)),
    incompleteDraft(writer, siret, definition, title('à archiver', true)),
    submitted('à valider'),
    submitted('à refuser'),
    submitted('à modifier'),
    validated('validé'),
    validated('à rouvrir'),
    validated('à révoquer'),
    pendingMembership(platform),
    pendingMembership(platform),
    providerCredentials(platform, definition),
    // The API that lets the main manager create technical accounts, granted.
    validated('comptes techniques', TECHNICAL_ACCOUNT_DEFINITION),
    // The other organisation has a request of its own.
    draftOf(other.client, SIRET.department, definition),
  ]);

  const tokenId = await issuedTokenOf(writer, withToken.habilitationId);
  const revealed = await writer.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  assert.equal(revealed.status, 200, revealed.text);

  const [accountToReset, accountToDelete] = [
    await createTechnicalAccount(manager, siret),
    await createTechnicalAccount(manager, siret),
  ];

  const invitation = await manager.send('POST', `/api/v1/organisations/${siret}/invitations`, {
    count: 1,
    roles: ['demandeur'],
  });
  assert.equal(invitation.status, 201, invitation.text);
  const { id: invitationId, code } = invitation.json.codes[0] as { id: string; code: string };
  const deactivated = await manager.send(
    'POST',
    `/api/v1/organisations/${siret}/invitations/${invitationId}/deactivate`,
  );
  assert.equal(deactivated.status, 200, deactivated.text);

  // The instruction side has been at work on the submitted request.
  const thread = await writer.send('POST', `/api/v1/requests/${submittedWithFile.requestId}/messages`, {
    body: 'Nous restons à votre disposition.',
  });
  assert.equal(thread.status, 201, thread.text);
  const note = await actors.instructor.client.send(
    'POST',
    `/api/v1/requests/${submittedWithFile.requestId}/notes`,
    { body: 'Cadre juridique à vérifier.' },
  );
  assert.equal(note.status, 201, note.text);
  const opinion = await actors.instructor.client.send(
    'POST',
    `/api/v1/requests/${submittedWithFile.requestId}/opinions`,
    { reporterId: actors.reporter.userId, question: 'Le cadre juridique vous paraît-il suffisant ?' },
  );
  assert.equal(opinion.status, 201, opinion.text);

  const providerList = await actors.platformAdmin.client.get(
    `/api/v1/admin/definitions/${definition}/provider-credentials`,
  );
  const providerCredentialId = (providerList.json as { id: string; clientId: string }[]).find(
    (credential) => credential.clientId === provider.clientId,
  )!.id;

  const newWebhookEndpoint = async () => {
    const created = await actors.developer.client.send('POST', `/api/v1/definitions/${definition}/webhooks`, {
      url: WORLD_WEBHOOK_URL,
    });
    assert.equal(created.status, 201, created.text);
    return created.json as { id: string; secret: string };
  };
  const webhook = await newWebhookEndpoint();
  const webhookDeliveries = await actors.developer.client.get(
    `/api/v1/definitions/${definition}/webhooks/${webhook.id}/deliveries`,
  );
  assert.equal(webhookDeliveries.status, 200, webhookDeliveries.text);

  // Links already used: answering them again is refused (410) whoever asks, and opens nothing.
  const usedActivationToken = await activationTokenFor(platform, founder.email);
  const { token: usedResetToken, password: resetPassword } = await usedPasswordReset(platform, member.email);

  return {
    actors,
    organisation,
    privateFacts: [
      organisation.siret,
      organisation.siren,
      organisation.name,
      founder.email,
      orgAdmin.email,
      applicant.email,
      reader.email,
      member.email,
      ...titles,
    ],
    draftFacts: draftTitles,
    secrets: [
      { label: 'a member’s password', value: GOOD_PASSWORD },
      { label: 'a staff password', value: DEMO_PASSWORD },
      { label: 'a password set through a reset link', value: resetPassword },
      { label: 'the revealed token', value: revealed.json.token as string },
      { label: 'a technical account’s password', value: accountToReset.password },
      { label: 'a technical account’s password', value: accountToDelete.password },
      { label: 'an invitation code', value: code },
      { label: 'a provider’s client secret', value: provider.clientSecret },
      { label: 'an activation link', value: usedActivationToken },
      { label: 'a password reset link', value: usedResetToken },
      { label: 'a webhook signing secret', value: webhook.secret },
    ],
    definition,
    requests: {
      submitted: submittedWithFile.requestId,
      draft,
      draftToArchive,
      toApprove,
      toRefuse,
      toRequestChanges,
      validatedToReopen: validatedToReopen.requestId,
      validatedToRevoke: validatedToRevoke.requestId,
      heldForSupport: heldForSupport.requestId,
    },
    attachmentId: submittedWithFile.attachmentId,
    cases: { draft: neverSubmitted, heldForSupport: stillHeld },
    habilitationId: withToken.habilitationId,
    tokenId,
    technicalAccounts: { toReset: accountToReset.id, toDelete: accountToDelete.id },
    invitation: { id: invitationId, code },
    memberId: member.userId,
    pendingMemberships: { toApprove: pendingToApprove, toReject: pendingToReject },
    providerCredentialId,
    opinionId: opinion.json.id as string,
    usedActivationToken,
    usedResetToken,
    webhook: {
      endpointId: webhook.id,
      eventId: (webhookDeliveries.json.deliveries as { eventId: string }[])[0]!.eventId,
    },
    newWebhookEndpoint: async () => (await newWebhookEndpoint()).id,
    newDraftAttachment: async () => {
      const added = await upload(
        manager,
        draft,
        { name: 'annexe.pdf', content: samplePdf('Annexe') },
        'other',
      );
      assert.equal(added.status, 201, added.text);
      return added.json.id as string;
    },
  };
}

async function draftOf(client: HttpClient, siret: string, definition: string): Promise<string> {
  const created = await client.send('POST', '/api/v1/requests', { definition, siret });
  assert.equal(created.status, 201, created.text);
  return created.json.id as string;
}

async function incompleteDraft(client: HttpClient, siret: string, definition: string, title: string) {
  const id = await draftOf(client, siret, definition);
  const saved = await client.send('PATCH', `/api/v1/requests/${id}`, { project: { title } });
  assert.equal(saved.status, 200, saved.text);
  return id;
}

/** A draft with a file attached (and a title, when given). */
async function draftWithFile(client: HttpClient, siret: string, definition: string, title?: string) {
  const requestId = title
    ? await incompleteDraft(client, siret, definition, title)
    : await draftOf(client, siret, definition);
  const added = await upload(client, requestId, { name: 'deliberation.pdf', content: samplePdf() });
  assert.equal(added.status, 201, added.text);
  return { requestId, attachmentId: added.json.id as string };
}

async function submittedRequestWithFile(client: HttpClient, siret: string, definition: string, form: object) {
  const draft = await draftWithFile(client, siret, definition);
  await fillAndSubmit(client, draft.requestId, form);
  return draft;
}

/** Someone who signed up for the commune with a free-mail address: support must decide. Answers the membership. */
async function pendingMembership(platform: TestPlatform): Promise<string> {
  const { activation } = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('gmail.com', 'inconnu'),
  });
  assert.equal(activation.case, 'pending_support');
  const { rows } = await platform.services.db.query<{ id: string }>(
    `SELECT id FROM memberships WHERE user_id = $1`,
    [activation.user.id],
  );
  return rows[0]!.id;
}

async function createTechnicalAccount(manager: HttpClient, siret: string) {
  const created = await manager.send('POST', `/api/v1/organisations/${siret}/technical-accounts`);
  assert.equal(created.status, 201, created.text);
  return { id: created.json.id as string, password: created.json.password as string };
}

/** A password reset carried out to the end: answers the link's token, now used, and the password it set. */
async function usedPasswordReset(platform: TestPlatform, email: string) {
  const client = platform.client({ ip: '10.12.1.1' });
  const asked = await client.send('POST', '/api/v1/password-resets', { email });
  assert.equal(asked.status, 202, asked.text);
  const [message] = await emailsTo(platform, email, { subject: /nouveau mot de passe/ });
  const token = /\/mot-de-passe\/reinitialiser\/([A-Za-z0-9_-]{43})/.exec(message!.text)?.[1];
  assert.ok(token, 'the reset email carries a link');
  const password = `une nouvelle phrase de passe ${Date.now().toString(36)}`;
  const completed = await client.send('POST', '/api/v1/password-resets/complete', { token, password });
  assert.equal(completed.status, 204, completed.text);
  return { token, password };
}
