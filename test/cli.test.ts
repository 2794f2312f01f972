import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, USAGE } from '../src/cli/main.js';
import { TWIN_OPTIONS, TWIN_USAGE } from '../src/cli/usage.js';
import { VERSION } from '../src/version.js';
import { ROOT } from './support/source.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `ai-scrum ARGS` as a person runs it: bin/ai-scrum.js, which runs build/ (`npm ci` makes it). */
function ranAsProcess(...args: string[]) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/ai-scrum.js'), ...args], (error, out, err) =>
      resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}

describe('ai-scrum', () => {
  it('lists its commands by default and on help, -h and --help', async () => {
    for (const args of [[], ['help'], ['-h'], ['--help']])
      expect(await cli(...args)).toEqual({ code: 0, out: USAGE, err: '' });
    for (const command of ['twin', 'version', 'help']) expect(USAGE).toMatch(`\n  ${command} `);
  });

  it.each([
    [['help', 'twin']],
    [['twin', '-h']],
    [['twin', '--help']],
    [['twin', '--fixture', 'missing.json', '--help']],
    [['--help', 'twin']],
  ])('prints the twin usage for %p', async (args) => {
    expect(await cli(...args)).toEqual({ code: 0, out: TWIN_USAGE, err: '' });
  });

  it('describes every option the twin takes, what it prints and how to stop it', () => {
    const options = TWIN_USAGE.split('\nOptions:\n')[1]!.split('\n\n')[0]!;
    const listed = [...options.matchAll(/^ {2}(-h, )?--([a-z-]+)/gm)].map((match) => match[2]);
    expect(listed).toEqual([...TWIN_OPTIONS, 'help']);
    for (const url of ['api', 'graphql', 'git', 'model'])
      expect(TWIN_USAGE).toMatch(new RegExp(`\n {2}${url} +\\S`));
    expect(TWIN_USAGE).toContain('Ctrl-C (SIGINT) or SIGTERM stops it');
  });

  it('prints the version', async () => {
    for (const args of [['version'], ['--version'], ['-v']])
      expect(await cli(...args)).toEqual({ code: 0, out: VERSION, err: '' });
  });

  it.each([
    [['deploy'], "ai-scrum: unknown command 'deploy'. Run 'ai-scrum help' for the commands."],
    [['--bogus'], "ai-scrum: unknown option '--bogus'. Run 'ai-scrum help' for the commands."],
    [
      ['help', 'deploy'],
      "ai-scrum: unknown command 'deploy'. Run 'ai-scrum help' for the commands.",
    ],
    [
      ['help', 'twin', 'now'],
      "ai-scrum help: unexpected argument 'now'. Run 'ai-scrum help' for the commands.",
    ],
    [
      ['version', '--json'],
      "ai-scrum version: unknown option '--json'. Run 'ai-scrum help version' for its usage.",
    ],
    [
      ['twin', '--fixtures', 'shop.json'],
      "ai-scrum twin: unknown option '--fixtures'. Run 'ai-scrum help twin' for its usage.",
    ],
    [
      ['twin', '--fixture', '--port', '80'],
      "ai-scrum twin: option '--fixture' needs a value. Run 'ai-scrum help twin' for its usage.",
    ],
    [
      ['twin', 'shop.json'],
      "ai-scrum twin: unexpected argument 'shop.json'. Run 'ai-scrum help twin' for its usage.",
    ],
  ])('answers %p with one line that names the mistake, exit code 2', async (args, line) => {
    expect(await cli(...args)).toEqual({ code: 2, out: '', err: line });
  });
});

describe('ai-scrum as a process', () => {
  it('prints help on stdout and exits 0', async () => {
    expect(await ranAsProcess('help', 'twin')).toEqual({
      code: 0,
      out: `${TWIN_USAGE}\n`,
      err: '',
    });
    expect(await ranAsProcess('twin', '-h')).toEqual({ code: 0, out: `${TWIN_USAGE}\n`, err: '' });
    expect(await ranAsProcess('--help')).toEqual({ code: 0, out: `${USAGE}\n`, err: '' });
  });

  it('reports a mistake in one line on stderr and exits 2', async () => {
    expect(await ranAsProcess('twin', '--bogus')).toEqual({
      code: 2,
      out: '',
      err: "ai-scrum twin: unknown option '--bogus'. Run 'ai-scrum help twin' for its usage.\n",
    });
    expect(await ranAsProcess('deploy')).toEqual({
      code: 2,
      out: '',
      err: "ai-scrum: unknown command 'deploy'. Run 'ai-scrum help' for the commands.\n",
    });
  });
});

it('keeps VERSION equal to package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
