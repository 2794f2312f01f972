import { execFile, spawnSync } from 'node:child_process';

/**
 * git for our own bookkeeping (listing files, reading and cleaning the repository's configuration,
 * the diff the reviewers read), never with the agent's input: no prompts, no system or global
 * configuration, no credentials in the environment, and none of the repository's own hooks, file
 * system monitor, external diff or text conversion, which the agent could have configured.
 */

/**
 * The environment our git runs with: nothing of the runner's beyond PATH. `config` is given to
 * that one process through the environment (`GIT_CONFIG_*`), never on its command line, where
 * other processes of the runner could read it (a token's header, say).
 */
export function gitEnv(config: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  // The workspace may belong to another user (the user sandbox's files).
  const entries = Object.entries({ 'safe.directory': '*', ...config });
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  env['GIT_CONFIG_COUNT'] = String(entries.length);
  return env;
}

/** Settings that switch off what the repository's configuration could make our git run. */
export const SAFE_GIT_OPTIONS = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.quotePath=false',
];

export function git(
  root: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', [...SAFE_GIT_OPTIONS, '-C', root, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: gitEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The same, without blocking the event loop; rejects when git fails. */
export function gitAsync(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...SAFE_GIT_OPTIONS, '-C', root, ...args],
      { env: gitEnv(), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    );
    child.stdin?.end();
  });
}
