import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The nearest package.json above this module: the project's, whether run from the sources or from dist/. */
function packageJsonPath(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error('package.json not found above runtime/');
  }
}

export const VERSION: string = (JSON.parse(readFileSync(packageJsonPath(), 'utf8')) as { version: string })
  .version;
