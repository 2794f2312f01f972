#!/usr/bin/env node
// The `ai-scrum` command runs the compiled sources in build/, which `npm ci` (prepare) or
// `npm run build` produce. It is a development and demo tool; the actions run from dist/.
import { existsSync } from 'node:fs';

const entry = new URL('../build/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('ai-scrum: build/ is missing; run `npm ci` or `npm run build` first.');
  process.exit(2);
}
await import(entry.href);
