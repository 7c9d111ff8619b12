import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  definitionCatalog,
  definitionSchema,
  type Definition,
  type DefinitionCatalog,
} from '../domain/definitions.ts';

export const DEFAULT_DEFINITIONS_DIR = path.resolve(import.meta.dirname, '..', 'definitions');

/**
 * Reads every `*.json` file of the definitions folder. Returns the problems found, each naming the file and
 * the field, so that start-up can stop with all of them at once.
 */
export function loadDefinitions(dir: string): { catalog: DefinitionCatalog; problems: string[] } {
  const problems: string[] = [];
  const definitions: Definition[] = [];
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch {
    return { catalog: definitionCatalog([]), problems: [`DEFINITIONS_DIR: cannot read the folder ${dir}`] };
  }
  if (files.length === 0) problems.push(`DEFINITIONS_DIR: no *.json definition in ${dir}`);
  for (const file of files) {
    const where = path.join(path.basename(dir), file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${where}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const parsed = definitionSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(
          `${where}: ${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${issue.message}`,
        );
      continue;
    }
    if (`${parsed.data.slug}.json` !== file)
      problems.push(`${where}: slug: expected "${file.replace(/\.json$/, '')}" (the file name)`);
    definitions.push(parsed.data);
  }
  return { catalog: definitionCatalog(definitions), problems };
}
