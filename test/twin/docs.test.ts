import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { ROOT } from '../support/source.js';
import { shopFixture } from '../support/twin.js';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin(shopFixture());
});
afterAll(() => twin.stop());

/** The keys in the first column of the table under `### heading` in docs/twin.md. */
function documentedKeys(heading: string): string[] {
  const docs = readFileSync(join(ROOT, 'docs/twin.md'), 'utf8');
  const section = docs.split(`\n### ${heading}\n`)[1]?.split('\n#')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]!);
}

const answerOf = async (path: string) =>
  (await (await fetch(`${twin.urls.api}${path}`)).json()) as Record<string, unknown>;

it.each(['/_twin/state', '/_twin/stats'])(
  'docs/twin.md lists every key %s answers',
  async (path) => {
    expect(documentedKeys(`\`GET ${path}\``)).toEqual(Object.keys(await answerOf(path)));
  },
);
