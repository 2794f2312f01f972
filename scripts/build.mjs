#!/usr/bin/env node
// Builds every bundle: tsc emits JavaScript into build/, then ncc bundles each entry into
// <out>/<name>/ (default dist/). `--out DIR` builds elsewhere, which the dist check uses.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const BUNDLES = {
  main: 'build/entrypoints/main.js',
  dispatch: 'build/entrypoints/dispatch.js',
  worker: 'build/entrypoints/worker.js',
  'merge-gate': 'build/entrypoints/merge-gate.js',
};

const root = resolve(import.meta.dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = resolve(root, outIndex > 0 ? process.argv[outIndex + 1] : 'dist');
const bin = (name) => join(root, 'node_modules', '.bin', name);

rmSync(join(root, 'build'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
for (const [name, entry] of Object.entries(BUNDLES)) {
  execFileSync(
    bin('ncc'),
    [
      'build',
      entry,
      '-o',
      join(out, name),
      '--license',
      'licenses.txt',
      '--quiet',
      '--target',
      'es2022',
    ],
    { cwd: root, stdio: 'inherit' },
  );
}
// Some dependencies ship CRLF line endings (tslib's licence header); git stores dist/ with LF
// (.gitattributes), so a bundle is written with LF only, byte for byte what a checkout holds.
// Line terminators in JavaScript source mean the same either way, template literals included.
const normalise = (dir) => {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) normalise(path);
    else if (/\.(c|m)?js$|\.txt$|\.json$/.test(entry)) {
      const text = readFileSync(path, 'latin1');
      if (text.includes('\r')) writeFileSync(path, text.replace(/\r\n?/g, '\n'), 'latin1');
    }
  }
};
normalise(out);
console.log(`built ${Object.keys(BUNDLES).length} bundles into ${out}`);
