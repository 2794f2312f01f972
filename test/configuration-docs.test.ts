import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from './support/source.js';

interface ActionYml {
  inputs?: Record<string, { description?: string; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
}

interface ConfigurationDocs {
  OUTPUT: string;
  renderConfiguration(root: string): Promise<string>;
}

// A computed specifier: the script is plain JavaScript, outside what tsc checks.
const script = pathToFileURL(join(ROOT, 'scripts/configuration-docs.mjs')).href;
const docs = (await import(script)) as ConfigurationDocs;

const STALE =
  'docs/configuration.md is out of date with the action.yml files: run npm run docs:config';
const committed = readFileSync(join(ROOT, docs.OUTPUT), 'utf8');

/** Every action.yml: the root one and each under actions/. */
const actionFiles = [
  'action.yml',
  ...readdirSync(join(ROOT, 'actions')).map((dir) => `actions/${dir}/action.yml`),
];
const load = (file: string): ActionYml =>
  parse(readFileSync(join(ROOT, file), 'utf8')) as ActionYml;

/** The page's section for one action under actions/, from its heading to the next. */
function section(page: string, id: string): string {
  const start = page.indexOf(`\n## ${id}\n`);
  if (start < 0) return '';
  const end = page.indexOf('\n## ', start + 1);
  return page.slice(start, end < 0 ? undefined : end);
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the action.yml files in a temporary directory, to render from. */
function copyOfActions(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-config-docs-'));
  temps.push(dir);
  for (const file of actionFiles) cpSync(join(ROOT, file), join(dir, file));
  return dir;
}

describe('docs/configuration.md', () => {
  it('is what scripts/configuration-docs.mjs renders from the action.yml files', async () => {
    const fresh = await docs.renderConfiguration(ROOT);
    if (fresh !== committed) {
      const had = committed.split('\n');
      const line = fresh.split('\n').findIndex((text, at) => text !== had[at]);
      throw new Error(`${STALE} (first difference at line ${line + 1})`);
    }
  });

  it.each(actionFiles)('lists every input and output of %s', (file) => {
    const yml = load(file);
    const id = file.match(/^actions\/([^/]+)\//)?.[1];
    const text = id === undefined ? committed : section(committed, id);
    expect(text).not.toBe('');
    const names = [...Object.keys(yml.inputs ?? {}), ...Object.keys(yml.outputs ?? {})];
    const missing = names.filter((name) => !text.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });

  it('shows empty defaults as a dash, the token default as code, and escapes pipes', async () => {
    expect(committed).toMatch(/\| `issues` +\| — +\|/);
    expect(committed).toMatch(/\| `github-token` +\| `\$\{\{ github\.token \}\}` +\|/);

    const dir = copyOfActions();
    const file = join(dir, 'actions/dispatch/action.yml');
    const yml = readFileSync(file, 'utf8').replace(
      /( {2}max-workers:\n {4}description: ).*\n/,
      '$1"Workers | at most\\nten, say."\n',
    );
    writeFileSync(file, yml);
    const page = await docs.renderConfiguration(dir);
    expect(page).toMatch(/\| `max-workers` +\| `5` +\| Workers \\\| at most ten, say\. +\|/);
  });

  it('no longer matches once a description in an action.yml changes', async () => {
    const dir = copyOfActions();
    const file = join(dir, 'actions/worker/action.yml');
    const before = readFileSync(file, 'utf8');
    const after = before.replace(
      'Developer model calls per round.',
      'Developer model calls per round, at most.',
    );
    expect(after).not.toBe(before);
    writeFileSync(file, after);

    const page = await docs.renderConfiguration(dir);
    expect(page).toContain('Developer model calls per round, at most.');
    expect(page).not.toBe(committed);
    // the untouched copy still renders the committed page
    writeFileSync(file, before);
    expect(await docs.renderConfiguration(dir)).toBe(committed);
  });
});
