import fc from 'fast-check';
import { SIRET } from '../helpers/accounts.ts';
import type { HttpClient } from '../helpers/http-client.ts';
import type { Vocabulary } from './json-schema-values.ts';
import type { JsonSchema } from './openapi-operations.ts';
import { ObjectRef, type FuzzValue } from './symbolic-values.ts';

/**
 * Realistic values for fields whose name says what they hold, read from the platform where it publishes them
 * (the definitions and their form schemas), so that a generated body gets as far as a real lookup.
 */
export async function readVocabulary(client: HttpClient): Promise<Vocabulary> {
  const summaries = (await client.get('/api/v1/definitions')).json as { slug: string }[];
  const slugs = summaries.map((summary) => summary.slug);
  const formSchemas: JsonSchema[] = [];
  for (const slug of slugs) {
    const definition = (await client.get(`/api/v1/definitions/${slug}`)).json as { formSchema?: JsonSchema };
    if (definition.formSchema) formSchemas.push(definition.formSchema);
  }
  const ref = (name: string) => fc.nat().map((pick): FuzzValue => new ObjectRef(name, pick));
  return {
    byName: {
      siret: fc.oneof(ref('siret'), fc.constantFrom(...Object.values(SIRET))),
      definition: fc.constantFrom(...slugs),
      slug: fc.constantFrom(...slugs),
      // Addresses of nobody in the cast: a wrong password for one of them would lock its account.
      email: fc.oneof(
        fc.emailAddress(),
        fc.stringMatching(/^[a-z]{1,10}\.[a-z]{1,10}@(saint-exemple|exemple-public|gmail)\.(fr|com)$/),
      ),
      password: fc.oneof(
        fc.string({ minLength: 12, maxLength: 40 }),
        fc.constant('une autre phrase de passe'),
      ),
      newPassword: fc.string({ minLength: 12, maxLength: 40 }),
      userId: ref('userId'),
      reporterId: ref('reporterId'),
      opinionId: ref('opinionId'),
    },
    openObjects: formSchemas,
  };
}
