import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The stand-in directory's data set (organisations.json): the project's own fictional organisations, written
 * compactly; the stand-in expands them into the real API's answer format. directory/README.md says which
 * SIRET is what.
 */
const stateSchema = z.enum(['A', 'F']);

const placeSchema = z.object({
  postalCode: z.string().regex(/^\d{5}$/),
  /** INSEE code of the commune. */
  commune: z.string().regex(/^\d[\dAB]\d{3}$/),
  departement: z.string(),
  region: z.string(),
});

const establishmentSchema = z.object({
  siret: z.string().regex(/^\d{14}$/),
  headOffice: z.boolean(),
  formerHeadOffice: z.boolean().optional(),
  state: stateSchema,
  openedOn: z.iso.date(),
  closedOn: z.iso.date().optional(),
  address: z.object({
    complement: z.string().optional(),
    number: z.string().optional(),
    streetType: z.string().optional(),
    street: z.string(),
    /** A key of `places`. */
    city: z.string(),
  }),
  /** NAF code when it differs from the unit's. */
  activity: z.string().optional(),
  signs: z.array(z.string()).optional(),
});

const organisationSchema = z.object({
  siren: z.string().regex(/^\d{9}$/),
  name: z.string(),
  acronym: z.string().optional(),
  legalCategory: z.string().regex(/^\d{4}$/),
  activity: z.string(),
  createdOn: z.iso.date(),
  state: z.enum(['A', 'C']),
  closedOn: z.iso.date().optional(),
  /** false for units whose owner refused publication (statut de diffusion « P »). */
  diffusible: z.boolean().optional(),
  /** null: the directory does not say (the field is left out of the answer). */
  isAdministration: z.boolean().nullable(),
  companyCategory: z.enum(['PME', 'ETI', 'GE']).optional(),
  headcountBand: z.string().optional(),
  establishments: z.array(establishmentSchema).min(1),
});

const dataSetSchema = z
  .object({
    places: z.record(z.string(), placeSchema),
    organisations: z.array(organisationSchema),
  })
  .superRefine((data, context) => {
    data.organisations.forEach((organisation, index) => {
      if (organisation.establishments.filter((establishment) => establishment.headOffice).length !== 1) {
        context.addIssue({
          code: 'custom',
          path: ['organisations', index],
          message: 'needs one head office',
        });
      }
      for (const establishment of organisation.establishments) {
        if (!(establishment.address.city in data.places)) {
          context.addIssue({
            code: 'custom',
            path: ['organisations', index],
            message: `unknown place ${establishment.address.city}`,
          });
        }
      }
    });
  });

export type DirectoryDataSet = z.infer<typeof dataSetSchema>;
export type Organisation = DirectoryDataSet['organisations'][number];
export type OrganisationEstablishment = Organisation['establishments'][number];
export type Place = DirectoryDataSet['places'][string];

export function loadOrganisations(): DirectoryDataSet {
  const text = readFileSync(new URL('./organisations.json', import.meta.url), 'utf8');
  return dataSetSchema.parse(JSON.parse(text));
}
