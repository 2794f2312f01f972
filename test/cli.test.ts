import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, USAGE } from '../src/cli/main.js';
import { VERSION } from '../src/version.js';
import { ROOT } from './support/source.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ai-scrum', () => {
  it('prints its usage by default and on help', async () => {
    expect(await cli()).toEqual({ code: 0, out: USAGE, err: '' });
    expect((await cli('--help')).out).toBe(USAGE);
  });

  it('prints the version', async () => {
    expect(await cli('version')).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it('rejects an unknown command with exit code 2', async () => {
    const result = await cli('deploy');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^ai-scrum: unknown command 'deploy'\./);
  });
});

it('keeps VERSION equal to package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
