import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scrubbedEnv } from '../../../src/scrum/tools/index.js';
import { bash, Scratch } from './support.js';

/** The bash tool: timeouts, truncated output, the working directory, and a scrubbed environment. */

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const SECRETS = {
  GITHUB_TOKEN: 'ghs_faketoken0123456789abcdefABCDEF',
  ANTHROPIC_API_KEY: 'sk-ant-api03-fakefakefake',
  AWS_SECRET_ACCESS_KEY: 'fake/aws+secret/access/key/value',
  'INPUT_GITHUB-TOKEN': 'ghp_fakeinputtoken0123456789abcdef',
  ACTIONS_RUNTIME_TOKEN: 'fake-actions-runtime-token-value',
  GOOGLE_APPLICATION_CREDENTIALS: '/runner/temp/fake-gcp-credentials.json',
  NPM_CONFIG_USERCONFIG: '/runner/temp/fake-npmrc-path',
};
const GITCONFIG_SECRET = 'fake-gitconfig-extraheader-secret';

/** A runner's HOME with a credential-bearing ~/.gitconfig, and an environment full of secrets. */
function runnerEnvironment() {
  const runnerHome = scratch.dir('ai-scrum-runner-home-');
  writeFileSync(
    path.join(runnerHome, '.gitconfig'),
    `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${GITCONFIG_SECRET}\n[credential]\n\thelper = store\n`,
  );
  writeFileSync(
    path.join(runnerHome, '.git-credentials'),
    `https://x:${GITCONFIG_SECRET}@github.com\n`,
  );
  return {
    runnerHome,
    env: {
      ...SECRETS,
      PATH: process.env.PATH,
      HOME: runnerHome,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
    },
  };
}

describe('the bash tool', () => {
  it('runs in the workspace, keeps the working directory inside it, reports exit codes', async () => {
    const root = scratch.dir();
    mkdirSync(path.join(root, 'sub'));
    const tools = scratch.developerTools({ root });
    expect(await bash(tools, 'pwd')).toEqual({ isError: false, content: `${root}\n` });
    await bash(tools, 'cd sub');
    expect((await bash(tools, 'pwd')).content).toBe(`${path.join(root, 'sub')}\n`);
    await bash(tools, 'cd /');
    expect((await bash(tools, 'pwd')).content).toBe(`${root}\n`);
    await bash(tools, 'cd sub');
    expect(await tools.run({ id: 'r', name: 'bash', input: { restart: true } })).toMatchObject({
      isError: false,
    });
    expect((await bash(tools, 'pwd')).content).toBe(`${root}\n`);
    expect(await bash(tools, 'echo out; echo err >&2; exit 3')).toEqual({
      isError: false,
      content: 'out\nerr\n\n[exit code 3]',
    });
    expect(await bash(tools, 'true')).toEqual({ isError: false, content: '(no output)' });
    expect((await tools.run({ id: 'x', name: 'bash', input: {} })).isError).toBe(true);
    expect((await tools.run({ id: 'x', name: 'python', input: {} })).content).toContain(
      'Unknown tool',
    );
  });

  it('kills a command at its timeout, with what it started, and says so', async () => {
    const root = scratch.dir();
    const tools = scratch.developerTools({ root, commandTimeoutMs: 500 });
    const started = Date.now();
    const result = await bash(tools, 'echo before; (sleep 30; touch late) & sleep 30');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.isError).toBe(true);
    expect(result.content).toContain('before');
    expect(result.content).toContain('timed out after 0.5 s and was killed');
    // Background processes die with the command even when it ends in time.
    const quick = await bash(tools, '(sleep 1; touch late2) & echo done');
    expect(quick.content).toBe('done\n');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await bash(tools, 'ls')).content).toBe('(no output)');
  });

  it('keeps the head and tail of long output with a marker', async () => {
    const root = scratch.dir();
    const tools = scratch.developerTools({ root, outputLimit: 100 });
    const result = await bash(tools, 'echo START; seq 1 100000; echo END');
    expect(result.content.startsWith('START\n')).toBe(true);
    expect(result.content.trimEnd().endsWith('END')).toBe(true);
    expect(result.content).toMatch(/\[… \d+ characters cut …\]/);
    expect(result.content.length).toBeLessThan(160);
  });

  it('shows no secret through env, ~/.gitconfig or git, whatever the runner had', async () => {
    const root = scratch.dir();
    const { runnerHome, env } = runnerEnvironment();
    const tools = scratch.developerTools({ root, env });
    const result = await bash(
      tools,
      [
        'env',
        'cat ~/.gitconfig ~/.git-credentials',
        'git config --list --show-origin',
        'git config --global --list',
        'echo HOME=$HOME',
      ].join('; '),
    );
    for (const secret of [...Object.values(SECRETS), GITCONFIG_SECRET]) {
      expect(result.content).not.toContain(secret);
    }
    expect(result.content).not.toContain(runnerHome);
    expect(result.content).toContain('LANG=C.UTF-8');
    expect(result.content).toContain('GIT_CONFIG_NOSYSTEM=1');
    expect(result.content).toContain('GIT_TERMINAL_PROMPT=0');
  });
});

describe('scrubbedEnv', () => {
  it('keeps the allowlist and drops credentials by name and by value', () => {
    const scrubbed = scrubbedEnv({
      ...SECRETS,
      PATH: '/usr/bin',
      LC_CTYPE: 'C',
      JAVA_HOME_17_X64: '/opt/java17',
      NODE_OPTIONS: '--max-old-space-size=4096',
      GOPATH: 'https://user:ghp_0123456789abcdefghijklmnop@example.com',
      RUNNER_TEMP: '/runner/temp',
      GITHUB_WORKSPACE: '/runner/work',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      GIT_CONFIG_PARAMETERS: "'http.extraheader=AUTHORIZATION: basic x'",
    });
    expect(scrubbed).toEqual({
      PATH: '/usr/bin',
      LC_CTYPE: 'C',
      JAVA_HOME_17_X64: '/opt/java17',
      NODE_OPTIONS: '--max-old-space-size=4096',
      CI: 'true',
      TERM: 'dumb',
      PAGER: 'cat',
      GIT_PAGER: 'cat',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    });
  });
});
