import { execFile } from 'node:child_process';
import { ConfigurationError } from '../errors.js';
import { gitEnv, SAFE_GIT_OPTIONS } from '../scrum/tools/git.js';

/**
 * The worker's git in the job's checkout: fetches, commits and pushes with our own minimal
 * environment (no hooks, no file system monitor, no global or system configuration). The token
 * reaches git only for the one fetch or push that needs it, through the environment of that
 * process (`GIT_CONFIG_*`), never through the repository's configuration or the command line.
 */

export type PushAnswer = 'pushed' | 'moved';

export class PushDenied extends ConfigurationError {}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export class WorkerGit {
  constructor(
    readonly root: string,
    /** `https://github.com/OWNER/REPO.git`, or GHES's, or the twin's. */
    private readonly remote: string,
    private readonly token: string,
    private readonly author: { name: string; email: string },
  ) {}

  private run(args: string[], withToken = false): Promise<Run> {
    const credential = Buffer.from(`x-access-token:${this.token}`).toString('base64');
    const env = gitEnv(
      withToken
        ? {
            [`http.${new URL(this.remote).origin}/.extraheader`]: `AUTHORIZATION: basic ${credential}`,
          }
        : {},
    );
    return new Promise((resolve) => {
      const child = execFile(
        'git',
        [...SAFE_GIT_OPTIONS, '-c', 'commit.gpgSign=false', '-C', this.root, ...args],
        { env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) =>
          resolve({
            status: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end();
    });
  }

  private async must(args: string[], withToken = false): Promise<string> {
    const result = await this.run(args, withToken);
    if (result.status !== 0)
      throw new Error(`git ${args[0]} failed: ${redact(result.stderr.trim(), this.token)}`);
    return result.stdout;
  }

  async head(): Promise<string> {
    return (await this.must(['rev-parse', 'HEAD'])).trim();
  }

  /** Fetches a branch of the repository; its head commit, or null when it does not exist. */
  async fetch(branch: string): Promise<string | null> {
    const local = `refs/ai-scrum/${branch}`;
    const result = await this.run(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        this.remote,
        `+refs/heads/${branch}:${local}`,
      ],
      true,
    );
    if (result.status !== 0) {
      if (/couldn't find remote ref|not our ref/i.test(result.stderr)) return null;
      throw (
        denied(result.stderr, this.token, 'fetch') ??
        new Error(`git fetch of ${branch} failed: ${redact(result.stderr.trim(), this.token)}`)
      );
    }
    return (await this.must(['rev-parse', local])).trim();
  }

  /** Puts the work branch at `sha`, with a clean working tree. */
  async checkout(branch: string, sha: string): Promise<void> {
    await this.must(['checkout', '--quiet', '--force', '-B', branch, sha]);
    await this.must(['clean', '-fdq']);
  }

  /** Commits everything in the working tree (an empty commit when nothing changed). */
  async commit(message: string): Promise<string> {
    await this.must(['add', '--all']);
    await this.must([
      '-c',
      `user.name=${this.author.name}`,
      '-c',
      `user.email=${this.author.email}`,
      'commit',
      '--quiet',
      '--no-verify',
      '--allow-empty',
      '-m',
      message,
    ]);
    return this.head();
  }

  /**
   * Pushes `sha` to the branch only if the branch is still at `expected` (null: only if it does
   * not exist yet): a compare-and-swap on the server, so two workers can never both move it.
   */
  async push(branch: string, sha: string, expected: string | null): Promise<PushAnswer> {
    const ref = `refs/heads/${branch}`;
    const result = await this.run(
      [
        'push',
        '--porcelain',
        `--force-with-lease=${ref}:${expected ?? ''}`,
        this.remote,
        `${sha}:${ref}`,
      ],
      true,
    );
    if (result.status === 0) return 'pushed';
    const said = `${result.stdout}\n${result.stderr}`;
    const refusal = denied(said, this.token, 'push');
    if (refusal) throw refusal;
    if (/stale info|\[rejected\]|fetch first|non-fast-forward|already exists/i.test(said))
      return 'moved';
    throw new Error(`git push to ${branch} failed: ${redact(said.trim(), this.token)}`);
  }

  /**
   * Merges a commit into the work branch. Clean: the merge commit is made with `message`.
   * Conflicts: the merge is left in progress and the conflicted files are returned.
   */
  async merge(sha: string, message: string): Promise<{ conflicts: string[] }> {
    const result = await this.run([
      '-c',
      `user.name=${this.author.name}`,
      '-c',
      `user.email=${this.author.email}`,
      'merge',
      '--no-ff',
      '--no-verify',
      '-m',
      message,
      sha,
    ]);
    if (result.status === 0) return { conflicts: [] };
    const conflicts = (await this.must(['diff', '--name-only', '--diff-filter=U', '-z']))
      .split('\0')
      .filter((file) => file !== '');
    if (conflicts.length === 0)
      throw new Error(`git merge failed: ${redact(result.stderr.trim(), this.token)}`);
    return { conflicts };
  }

  /** Files of the working tree that still hold conflict markers, against `base`. */
  async leftoverMarkers(base: string): Promise<string[]> {
    await this.must(['add', '--all']);
    const result = await this.run(['diff', '--cached', '--check', base]);
    const files = new Set<string>();
    for (const line of result.stdout.split('\n'))
      if (/leftover conflict marker/.test(line)) files.add(line.slice(0, line.indexOf(':')));
    return [...files];
  }

  /** Where two histories meet. */
  async mergeBase(a: string, b: string): Promise<string> {
    return (await this.must(['merge-base', a, b])).trim();
  }

  /** The message of a commit. */
  async message(sha: string): Promise<string> {
    return this.must(['log', '-1', '--format=%B', sha]);
  }

  /** Whether `ancestor` is in the history of `sha`. */
  async contains(sha: string, ancestor: string): Promise<boolean> {
    return (await this.run(['merge-base', '--is-ancestor', ancestor, sha])).status === 0;
  }
}

function redact(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}

/** A refusal for want of permission, as a clear error naming the permission to grant. */
function denied(said: string, token: string, what: 'push' | 'fetch'): PushDenied | null {
  if (
    !/\b403\b|permission to .* denied|denied to|write access to repository not granted/i.test(said)
  )
    return null;
  const git = redact(
    said
      .trim()
      .split('\n')
      .find((line) => /denied|403/i.test(line)) ?? said,
    token,
  );
  return new PushDenied(
    what === 'push'
      ? `The token may not push the work branch: it needs the 'contents: write' permission (in the workflow's permissions, or the GitHub App's). git answered: ${git.trim()}`
      : `The token may not fetch from the repository: it needs the 'contents: read' permission. git answered: ${git.trim()}`,
  );
}
