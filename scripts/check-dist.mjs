#!/usr/bin/env node
// Fails when the committed dist/ is not exactly what a fresh build of the source makes:
// runners execute dist/, so a stale bundle would ship behaviour nobody reviewed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const fresh = mkdtempSync(join(tmpdir(), 'ai-scrum-dist-'));

function files(dir) {
  const found = [];
  const walk = (current) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(dir, path));
    }
  };
  try {
    walk(dir);
  } catch {
    // a missing dist/ shows up below as every file missing
  }
  return found.sort();
}

try {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out', fresh], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const committed = join(root, 'dist');
  const want = files(fresh);
  const have = files(committed);
  const problems = [];
  for (const file of want) {
    if (!have.includes(file)) problems.push(`missing from dist/: ${file}`);
    else if (!readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file)))) {
      problems.push(`differs from a fresh build: dist/${file}`);
    }
  }
  for (const file of have)
    if (!want.includes(file)) problems.push(`not made by the build: dist/${file}`);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error('dist/ is stale: run `npm run build` and commit dist/.');
    process.exitCode = 1;
  } else {
    console.log(`dist/ matches a fresh build (${want.length} files)`);
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
