import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GRAPHQL_DOCUMENTS } from '../src/github/graphql.js';
import { operationName, PERMISSION_NEEDED, type Permission } from '../src/github/permissions.js';
import { ROUTES, type RouteName } from '../src/github/routes.js';
import { ROOT } from './support/source.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const docs = read('docs/permissions.md');

/** The adapters src/dispatch/run.ts builds: every request dispatch sends is written in one. */
const DISPATCH_ADAPTERS = ['src/github/dispatch-adapter.ts', 'src/github/ledger-adapter.ts'];

/** The `permissions:` block that grants every permission these requests need, and no more. */
function blockFor(sources: string[]): Record<string, string> {
  const text = sources.map(read).join('\n');
  const routes = [...text.matchAll(/ROUTES\.(\w+)/g)].map((m) => m[1] as RouteName);
  const operations = Object.entries(GRAPHQL_DOCUMENTS)
    .filter(([constant]) => new RegExp(`\\b${constant}\\b`).test(text))
    .map(([, document]) => operationName(document)!);
  const block: Record<string, string> = {};
  for (const name of [...routes, ...operations]) {
    const needed = PERMISSION_NEEDED[name as keyof typeof PERMISSION_NEEDED] as Permission;
    const [scope, level] = needed.split(': ') as [string, string];
    if (scope !== 'metadata' && block[scope] !== 'write') block[scope] = level;
  }
  return block;
}

describe('docs/permissions.md', () => {
  it('lists the adapters dispatch really builds', () => {
    const built = [
      ...read('src/github/dispatch-ports.ts').matchAll(/from '\.\/(\w+-adapter)\.js'/g),
    ];
    expect(built.map((m) => `src/github/${m[1]}.ts`)).toEqual(DISPATCH_ADAPTERS);
  });

  it('gives dispatch exactly the permissions its requests need', () => {
    const documented = /## dispatch[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(parse(documented)).toEqual({ permissions: blockFor(DISPATCH_ADAPTERS) });
  });

  it('matches the example workflow', () => {
    expect(parse(read('docs/examples/dispatch.yml')).permissions).toEqual(
      blockFor(DISPATCH_ADAPTERS),
    );
  });

  it('holds the same table as the code', () => {
    const table = /<!-- permission-table -->([\s\S]*?)<!-- \/permission-table -->/.exec(docs)?.[1];
    const rows = [...(table ?? '').matchAll(/^\| (.+?) +\| `(.+?)` +\|$/gm)].map(
      (m) => [m[1]!, m[2]!] as const,
    );
    const expected = Object.entries(PERMISSION_NEEDED).map(
      ([name, permission]) =>
        [
          name in ROUTES ? `\`${ROUTES[name as RouteName]}\`` : `GraphQL \`${name}\``,
          permission,
        ] as const,
    );
    expect(rows).toEqual(expected);
  });
});
