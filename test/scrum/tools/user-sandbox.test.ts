import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_USER } from '../../../src/scrum/tools/index.js';
import { bash, edit, Scratch } from './support.js';

/**
 * sandbox: user runs the agent's commands as ai-scrum-agent. Switching users needs root or
 * passwordless sudo: these tests run only where one of them is available and are reported as
 * skipped elsewhere; the fallback test runs only where neither is.
 */

const isRoot = process.getuid?.() === 0;
const canSwitchUsers = isRoot || spawnSync('sudo', ['-n', 'true']).status === 0;
const whenUsersCanSwitch = canSwitchUsers ? it : it.skip;
const whenUsersCannotSwitch = canSwitchUsers ? it.skip : it;

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

function gitRepository(root: string): void {
  const env = { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...args: string[]) => spawnSync('git', ['-C', root, ...args], { env });
  git('init', '-q', '-b', 'main');
  git(
    '-c',
    'user.name=T',
    '-c',
    'user.email=t@example.com',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'base',
  );
}

/** Live processes of the agent user (zombies wait for whoever reaps orphans here: not alive). */
function agentProcesses(): string[] {
  const listed = spawnSync('ps', ['-u', AGENT_USER, '-o', 'stat=,args='], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Z'));
}

describe('sandbox: user (needs root or passwordless sudo)', () => {
  whenUsersCanSwitch(
    'runs commands as ai-scrum-agent, sharing the workspace with the runner',
    async () => {
      const root = scratch.dir();
      gitRepository(root);
      writeFileSync(path.join(root, 'existing.txt'), 'runner wrote this\n');
      const owner = statSync(root).uid;
      const tools = scratch.developerTools({ root, sandbox: 'user' });
      expect(tools.sandboxUsed).toBe('user');
      expect(tools.warnings).toEqual([]);

      expect((await bash(tools, 'id -un')).content).toBe(`${AGENT_USER}\n`);
      // The agent writes existing files and creates new ones; the runner edits what the agent made.
      const wrote = await bash(
        tools,
        'echo agent >> existing.txt && mkdir -p made/by && echo 1 > made/by/agent.txt',
      );
      expect(wrote).toEqual({ isError: false, content: '(no output)' });
      expect(statSync(path.join(root, 'made', 'by', 'agent.txt')).uid).toBe(owner);
      const edited = await edit(tools, {
        command: 'str_replace',
        path: 'made/by/agent.txt',
        old_str: '1',
        new_str: '2',
      });
      expect(edited.isError).toBe(false);
      // And the agent writes what the editor created, in new directories too.
      await edit(tools, { command: 'create', path: 'fresh/dir/editor.txt', file_text: 'editor\n' });
      const appended = await bash(
        tools,
        'echo agent >> fresh/dir/editor.txt && touch fresh/dir/sibling',
      );
      expect(appended.content).toBe('(no output)');
      expect(readFileSync(path.join(root, 'fresh', 'dir', 'editor.txt'), 'utf8')).toBe(
        'editor\nagent\n',
      );
      expect((await bash(tools, 'git status --porcelain')).content).toContain('existing.txt');
    },
  );

  whenUsersCanSwitch(
    'keeps the agent out of the runner process, its private files and .git',
    async () => {
      const root = scratch.dir();
      gitRepository(root);
      const runnerHome = scratch.dir('ai-scrum-runner-home-');
      writeFileSync(path.join(runnerHome, '.git-credentials'), 'https://x:secret@github.com\n');
      const tools = scratch.developerTools({ root, sandbox: 'user' });
      const environ = await bash(tools, `cat /proc/${process.pid}/environ`);
      expect(environ.content).toContain('Permission denied');
      const home = await bash(tools, `cat ${runnerHome}/.git-credentials`);
      expect(home.content).toContain('Permission denied');
      const hook = await bash(
        tools,
        'echo evil > .git/hooks/pre-commit; git config core.fsmonitor evil',
      );
      expect(hook.content).toContain('Permission denied');
      expect(existsSync(path.join(root, '.git', 'hooks', 'pre-commit'))).toBe(false);
      expect(readFileSync(path.join(root, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
      expect((await bash(tools, 'sudo -n true')).content).toMatch(/\[exit code [1-9]/);
    },
  );

  whenUsersCanSwitch(
    "runs QA's commands in the same sandbox: the agent's user, not the runner's environment",
    async () => {
      const root = scratch.dir();
      gitRepository(root);
      const tools = scratch.developerTools({ root, sandbox: 'user' });
      const result = await tools.runCommand(
        `id -un; pwd; cat /proc/${process.pid}/environ; mkdir -p coverage && echo x > coverage/lcov.info`,
        10_000,
      );
      expect(result.output).toContain(`${AGENT_USER}\n${root}\n`);
      expect(result.output).toContain('Permission denied');
      // What it wrote is given back to the workspace's owner.
      expect(statSync(path.join(root, 'coverage', 'lcov.info')).uid).toBe(statSync(root).uid);
      const daemon = await tools.runCommand('setsid sleep 33 & echo started', 10_000);
      expect(daemon.output).toBe('started\n');
      expect(agentProcesses()).toEqual([]);
    },
  );

  whenUsersCanSwitch('kills everything the agent started at a timeout and at close', async () => {
    const root = scratch.dir();
    const tools = scratch.developerTools({ root, sandbox: 'user', commandTimeoutMs: 500 });
    const result = await bash(tools, 'setsid sleep 31 & sleep 32');
    expect(result.content).toContain('timed out');
    expect(agentProcesses()).toEqual([]);
    await bash(tools, 'mkdir -p left/behind && echo x > left/behind/file');
    await tools.close();
    expect(agentProcesses()).toEqual([]);
    expect(statSync(path.join(root, 'left', 'behind', 'file')).uid).toBe(statSync(root).uid);
  });

  whenUsersCannotSwitch(
    'falls back to no sandbox with a warning when users cannot be switched',
    async () => {
      const root = scratch.dir();
      const tools = scratch.developerTools({ root, sandbox: 'user' });
      expect(tools.sandboxUsed).toBe('none');
      expect(tools.warnings.join('\n')).toContain('sandbox: user is not available');
      expect((await bash(tools, 'echo ok')).content).toBe('ok\n');
    },
  );
});
