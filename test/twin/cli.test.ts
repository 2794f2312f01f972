import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { ROOT } from '../support/source.js';

async function cli(args: string[], shutdown: () => Promise<void> = () => Promise.resolve()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    { shutdown },
  );
  return { code, out, err: err.join('\n') };
}

const fixture = join(ROOT, 'examples/twin/shop.json');

describe('ai-scrum twin', () => {
  it('prints its URLs as one JSON line, serves, and stops when told', async () => {
    const out: string[] = [];
    let status = 0;
    const code = await runCli(
      ['twin', '--fixture', fixture],
      { out: (line) => out.push(line), err: () => {} },
      {
        // While the command waits for its shutdown signal, the twin answers.
        shutdown: async () => {
          const urls = JSON.parse(out[0] ?? '{}') as { api: string };
          status = (
            await fetch(`${urls.api}/repos/acme/shop`, {
              headers: { authorization: 'token ghs_bot' },
            })
          ).status;
        },
      },
    );
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(Object.keys(JSON.parse(out[0]!))).toEqual(['api', 'graphql', 'git', 'model']);
    expect(status).toBe(200);
  });

  it.each([
    [[], /--fixture FILE is required/],
    [['--fixture', '/nonexistent.json'], /cannot read fixture \/nonexistent.json/],
    [['--fixture', fixture, '--port', 'x'], /--port must be a whole number/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('rejects %p with a clear message and exit code 2', async (args, message) => {
    const result = await cli(['twin', ...args]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it('reports an invalid fixture with the place of each problem', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'fixture-')), 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ repository: { owner: 'acme', name: 'shop', colour: 'red' } }),
    );
    const result = await cli(['twin', '--fixture', file]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('fixture.repository: Unrecognized key: "colour"');
  });

  it('runs as a process and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [
      join(ROOT, 'bin/ai-scrum.js'),
      'twin',
      '--fixture',
      fixture,
    ]);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const urls = JSON.parse(line) as { graphql: string };
    const answer = await fetch(urls.graphql, {
      method: 'POST',
      headers: { authorization: 'bearer ghp_alice' },
      body: JSON.stringify({ query: '{ viewer { login } }' }),
    });
    expect(await answer.json()).toEqual({ data: { viewer: { login: 'alice' } } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
