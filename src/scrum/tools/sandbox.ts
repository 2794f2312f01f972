import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** The unprivileged user the developer agent's commands run as in `sandbox: user`. */
export const AGENT_USER = 'ai-scrum-agent';

/** Enough time for a recursive chgrp of a large checkout. */
const PRIVILEGED_TIMEOUT_MS = 120_000;

export interface UserSandbox {
  user: string;
  uid: number;
  gid: number;
  /** Prepended to a command to run it as the agent user with exactly `env`. */
  prefix(env: NodeJS.ProcessEnv): string[];
  /** Ends every process of the agent user. */
  killAll(): void;
  /** Gives files the agent created back to the workspace's owner (the group keeps access). */
  reclaim(): void;
  /** Removes a directory that holds files of the agent user's. */
  remove(dir: string): void;
}

export type UserSandboxResult = { ok: true; sandbox: UserSandbox } | { ok: false; reason: string };

interface Run {
  status: number | null;
  output: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    env,
    encoding: 'utf8',
    timeout: PRIVILEGED_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`;
  return { status: result.status, output: output.trim() };
}

function which(command: string): boolean {
  return run(['sh', '-c', `command -v ${command}`]).status === 0;
}

/**
 * Prepares the workspace and temporary directories for commands run as `ai-scrum-agent`:
 *
 * - the user is created when missing (a system user with its own group, no home, no login shell);
 * - the workspace gets the agent's group, group read-write and setgid directories, so both the
 *   runner (the owner) and the agent can write, and new files keep the group; `.git` stays
 *   read-only to the agent, so it cannot add hooks or configuration that later git commands of
 *   the runner would execute;
 * - the agent's HOME and TMPDIR are handed to it, and a state directory is shared with it.
 *
 * Privileged steps run directly when we are root, else through `sudo -n`; with neither, or when a
 * step fails, the result says why and the caller falls back to no sandbox.
 */
export function prepareUserSandbox(
  root: string,
  dirs: { agentOwned: string[]; shared: string },
): UserSandboxResult {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && run(['sudo', '-n', 'true']).status !== 0) {
    return {
      ok: false,
      reason: 'sudo -n is not available (passwordless sudo is needed to switch users)',
    };
  }
  const privileged = (argv: string[]): Run => run(isRoot ? argv : ['sudo', '-n', ...argv]);
  const step = (argv: string[]): string | undefined => {
    const result = privileged(argv);
    return result.status === 0
      ? undefined
      : `${argv.join(' ')} failed: ${result.output || `exit ${result.status}`}`;
  };

  if (run(['id', '-u', AGENT_USER]).status !== 0) {
    const created = privileged([
      'useradd',
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      AGENT_USER,
    ]);
    // Another worker on the machine may have created it meanwhile.
    if (created.status !== 0 && run(['id', '-u', AGENT_USER]).status !== 0) {
      return { ok: false, reason: `could not create the user ${AGENT_USER}: ${created.output}` };
    }
  }
  const uid = Number(run(['id', '-u', AGENT_USER]).output);
  const gid = Number(run(['id', '-g', AGENT_USER]).output);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    return { ok: false, reason: `the user ${AGENT_USER} has no usable uid/gid` };
  }

  let prefix: string[];
  if (isRoot && which('setpriv')) {
    // No supplementary groups of root's, and no way back up through setuid programs.
    prefix = [
      'setpriv',
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--clear-groups',
      '--no-new-privs',
      '--',
    ];
  } else if (isRoot && which('runuser')) {
    prefix = ['runuser', '-u', AGENT_USER, '--'];
  } else if (isRoot) {
    return { ok: false, reason: 'neither setpriv nor runuser is installed' };
  } else {
    // sudo resets the environment; `env -i` with the scrubbed variables is added per command.
    prefix = ['sudo', '-n', '-u', AGENT_USER, '--'];
  }

  const owner = statSync(root).uid;
  const gitDir = path.join(root, '.git');
  const failure =
    step(['chgrp', '-R', String(gid), root]) ??
    step(['chmod', '-R', 'g+rwX', root]) ??
    step(['find', root, '-type', 'd', '-exec', 'chmod', 'g+s', '{}', '+']) ??
    (existsSync(gitDir) ? step(['chmod', '-R', 'g-w', gitDir]) : undefined) ??
    step(['chown', '-R', `${uid}:${gid}`, ...dirs.agentOwned]) ??
    // Both write here: the agent its working directory, the runner removes it.
    step(['chgrp', String(gid), dirs.shared]) ??
    step(['chmod', '2770', dirs.shared]);
  if (failure) return { ok: false, reason: failure };

  const asAgent = (argv: string[]): Run => run([...prefix, ...argv], { PATH: process.env.PATH });
  const reachable = asAgent(['sh', '-c', 'test -w "$1" && test -r "$1"', 'sh', root]);
  if (reachable.status !== 0) {
    return {
      ok: false,
      reason: `${AGENT_USER} cannot write the workspace ${root} (a parent directory may not be traversable by other users)${reachable.output ? `: ${reachable.output}` : ''}`,
    };
  }

  return {
    ok: true,
    sandbox: {
      user: AGENT_USER,
      uid,
      gid,
      prefix: (env) =>
        prefix[0] === 'sudo'
          ? [
              ...prefix,
              'env',
              '-i',
              ...Object.entries(env).map(([name, value]) => `${name}=${value ?? ''}`),
            ]
          : prefix,
      killAll: () => {
        // kill -1 as the agent: every process of the agent user's, except the kill itself.
        asAgent(['bash', '-c', 'kill -KILL -1 2>/dev/null; true']);
      },
      reclaim: () => {
        privileged(['chown', '-R', `--from=${uid}`, String(owner), root]);
      },
      remove: (dir) => {
        privileged(['rm', '-rf', dir]);
      },
    },
  };
}
