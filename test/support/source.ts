import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** Every TypeScript file under src/, with its text, for checks that look across the code base. */
export function sourceFiles(dir = join(ROOT, 'src')): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (path.endsWith('.ts'))
      found.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
  }
  return found;
}
