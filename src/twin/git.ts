import { execFile, type ExecFileOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The twin's bare repositories, driven through git's plumbing. This is the twin standing in for
 * GitHub's servers, not the toolkit running git (that is src/git/'s job), so it calls git itself.
 */

export const ZERO_SHA = '0000000000000000000000000000000000000000';

const PRE_RECEIVE = `import { execFileSync } from 'node:child_process';
const url = process.env.AI_SCRUM_TWIN_HOOK_URL;
let input = '';
for await (const chunk of process.stdin) input += chunk;
if (!url) process.exit(0);
const ZERO = '${'0'.repeat(40)}';
const updates = input.trim().split('\\n').filter(Boolean).map((line) => {
  const [before, after, ref] = line.split(' ');
  let fastForward = true;
  if (before !== ZERO && after !== ZERO) {
    try {
      execFileSync('git', ['merge-base', '--is-ancestor', before, after], { stdio: 'ignore' });
    } catch {
      fastForward = false;
    }
  }
  return { before, after, ref, fastForward };
});
const refuse = (why) => {
  process.stderr.write('error: the twin could not check this push: ' + why + '\\n');
  process.exit(1);
};
let answer;
try {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ updates, pusher: process.env.REMOTE_USER }),
    signal: AbortSignal.timeout(10000),
  });
  if (!response.ok) refuse('HTTP ' + response.status);
  answer = await response.json();
} catch (error) {
  refuse(String((error && error.cause && error.cause.message) || (error && error.message) || error));
}
// Fail closed: only an answer that says whether the push may land lets it land.
if (answer === null || typeof answer !== 'object' || !('refusal' in answer))
  refuse('unexpected answer');
if (answer.refusal) {
  for (const line of answer.refusal.split('\\n')) process.stderr.write('error: ' + line + '\\n');
  process.exit(1);
}
`;

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Signature {
  name: string;
  email: string;
  /** ISO date */
  date: string;
}

export function runGit(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const execOptions: ExecFileOptions = {
      cwd: options.cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    };
    const child = execFile('git', args, execOptions, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code === -1) reject(error);
      else resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

export class GitFailure extends Error {
  override name = 'GitFailure';
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number | undefined;
}

export interface FileChange {
  path: string;
  /** A renamed file's old path. */
  previousPath?: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  additions: number;
  deletions: number;
  sha: string;
}

/** One bare repository of the twin. */
export class BareRepository {
  constructor(readonly path: string) {}

  static async create(path: string, defaultBranch: string): Promise<BareRepository> {
    rmSync(path, { recursive: true, force: true });
    mkdirSync(path, { recursive: true });
    const repo = new BareRepository(path);
    await repo.must(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`]);
    // Pushes over smart HTTP need receive-pack enabled; GitHub accepts any authenticated writer.
    await repo.must(['config', 'http.receivepack', 'true']);
    await repo.must(['config', 'receive.denyNonFastForwards', 'false']);
    await repo.must(['config', 'uploadpack.allowReachableSHA1InWant', 'true']);
    // GitHub keeps pull requests' refs hidden from pushes: git answers `deny updating a hidden
    // ref` for refs/pull/*, as GitHub does. Fetching them still works.
    await repo.must(['config', 'receive.hideRefs', 'refs/pull/']);
    repo.installPreReceiveHook();
    return repo;
  }

  /**
   * A pre-receive hook, as GitHub runs branch protection on every push: it tells the twin each
   * update (and whether it fast-forwards, which only the hook can see while the pushed objects
   * are quarantined) and refuses the push with the twin's `GH006` answer.
   */
  private installPreReceiveHook(): void {
    const hooks = join(this.path, 'hooks');
    mkdirSync(hooks, { recursive: true });
    const script = join(hooks, 'pre-receive.mjs');
    writeFileSync(script, PRE_RECEIVE);
    writeFileSync(
      join(hooks, 'pre-receive'),
      `#!/bin/sh\nexec '${process.execPath.replace(/'/g, "'\\''")}' '${script.replace(/'/g, "'\\''")}'\n`,
      { mode: 0o755 },
    );
  }

  git(
    args: string[],
    options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
  ): Promise<GitResult> {
    return runGit(['--git-dir', this.path, ...args], options);
  }

  async must(
    args: string[],
    options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
  ): Promise<string> {
    const result = await this.git(args, options);
    if (result.code !== 0) {
      throw new GitFailure(
        `git ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`,
      );
    }
    return result.stdout;
  }

  /** The commit a ref points at, or undefined. `ref` is a full name such as refs/heads/main. */
  async resolve(ref: string): Promise<string | undefined> {
    const result = await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  async objectExists(sha: string, type = 'commit'): Promise<boolean> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return false;
    const result = await this.git(['cat-file', '-t', sha]);
    return result.code === 0 && result.stdout.trim() === type;
  }

  /** Refs under a prefix (refs/heads/…), name and commit. */
  async refs(prefix = 'refs/'): Promise<{ ref: string; sha: string }[]> {
    const out = await this.must(['for-each-ref', '--format=%(refname) %(objectname)', prefix]);
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [ref = '', sha = ''] = line.split(' ');
        return { ref, sha };
      });
  }

  /**
   * Moves a ref only if it still points where the caller saw it (`expected`, ZERO_SHA for "must
   * not exist"): git's compare-and-swap, so two racing writers cannot both win.
   */
  async compareAndSwap(ref: string, next: string, expected: string): Promise<boolean> {
    const result = await this.git(['update-ref', ref, next, expected]);
    return result.code === 0;
  }

  async deleteRef(ref: string, expected: string): Promise<boolean> {
    const result = await this.git(['update-ref', '-d', ref, expected]);
    return result.code === 0;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await this.git(['merge-base', '--is-ancestor', ancestor, descendant]);
    return result.code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const result = await this.git(['merge-base', a, b]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** Three-way merge without a work tree: the merged tree, or undefined on conflict. */
  async mergeTree(ours: string, theirs: string): Promise<string | undefined> {
    const result = await this.git(['merge-tree', '--write-tree', ours, theirs]);
    if (result.code === 0) return result.stdout.split('\n')[0]?.trim();
    if (result.code === 1) return undefined;
    throw new GitFailure(`git merge-tree failed (${result.code}): ${result.stderr.trim()}`);
  }

  /** A commit object: tree, parents, author and committer (with ISO dates) and message. */
  async commit(sha: string): Promise<CommitObject | undefined> {
    if (!(await this.objectExists(sha))) return undefined;
    const raw = await this.must(['cat-file', 'commit', sha]);
    const split = raw.indexOf('\n\n');
    const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
    const message = split < 0 ? '' : raw.slice(split + 2);
    const person = (line: string | undefined): Signature => {
      const match = /^\S+ (.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line ?? '');
      return {
        name: match?.[1] ?? '',
        email: match?.[2] ?? '',
        date: new Date(Number(match?.[3] ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
    };
    return {
      sha,
      tree: headers.find((line) => line.startsWith('tree '))!.slice(5),
      parents: headers.filter((line) => line.startsWith('parent ')).map((line) => line.slice(7)),
      author: person(headers.find((line) => line.startsWith('author '))),
      committer: person(headers.find((line) => line.startsWith('committer '))),
      message,
    };
  }

  async treeOf(commit: string): Promise<string> {
    return (await this.must(['rev-parse', `${commit}^{tree}`])).trim();
  }

  async commitTree(
    tree: string,
    parents: string[],
    message: string,
    author: Signature,
  ): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: author.date,
      GIT_COMMITTER_NAME: 'GitHub',
      GIT_COMMITTER_EMAIL: 'noreply@github.com',
      GIT_COMMITTER_DATE: author.date,
    };
    const args = ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent])];
    return (await this.must(args, { env, input: message })).trim();
  }

  /**
   * A new commit on top of `parent` (or a root commit) with files added or replaced and paths
   * deleted, built in a private index so concurrent calls do not interfere.
   */
  async commitFiles(
    parent: string | undefined,
    changes: { additions: { path: string; contents: Buffer }[]; deletions: string[] },
    message: string,
    author: Signature,
  ): Promise<string> {
    const scratch = mkdtempSync(join(tmpdir(), 'twin-commit-'));
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    try {
      if (parent) await this.must(['read-tree', parent], { env });
      else await this.must(['read-tree', '--empty'], { env });
      if (changes.additions.length > 0) {
        // Two git processes for any number of files: blobs from paths, then one index update.
        const sources = changes.additions.map((file, i) => {
          const source = join(scratch, `blob-${i}`);
          writeFileSync(source, file.contents);
          return source;
        });
        const shas = (
          await this.must(['hash-object', '-w', '--stdin-paths'], {
            input: `${sources.join('\n')}\n`,
          })
        )
          .trim()
          .split('\n');
        const info = changes.additions
          .map((file, i) => `100644 ${shas[i]}\t${file.path}`)
          .join('\n');
        await this.must(['update-index', '--add', '--index-info'], { env, input: `${info}\n` });
      }
      if (changes.deletions.length > 0) {
        // A bare repository has no work tree to remove from: a zero mode in --index-info drops
        // the entry from the index instead.
        const gone = changes.deletions.map((path) => `0 ${ZERO_SHA}\t${path}`).join('\n');
        await this.must(['update-index', '--index-info'], { env, input: `${gone}\n` });
      }
      const tree = (await this.must(['write-tree'], { env })).trim();
      return await this.commitTree(tree, parent ? [parent] : [], message, author);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  async tree(treeish: string, recursive: boolean): Promise<TreeEntry[]> {
    const args = ['ls-tree', '-l', ...(recursive ? ['-r', '-t'] : []), treeish];
    const out = await this.must(args);
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [meta = '', path = ''] = line.split('\t');
        const [mode = '', type = 'blob', sha = '', size = '-'] = meta.split(/\s+/);
        return {
          path,
          mode,
          type: type as TreeEntry['type'],
          sha,
          size: size === '-' ? undefined : Number(size),
        };
      });
  }

  async readFile(commit: string, path: string): Promise<string | undefined> {
    const result = await this.git(['show', `${commit}:${path}`]);
    return result.code === 0 ? result.stdout : undefined;
  }

  /** Files changed between the merge base of base and head, and head: what a pull request shows. */
  /**
   * The files head changes against its merge base with base, renames found as GitHub finds them
   * (a renamed file is one entry with its new path and `previousPath`).
   */
  async changedFiles(base: string, head: string): Promise<FileChange[]> {
    const from = (await this.mergeBase(base, head)) ?? base;
    const numstat = await this.must(['diff', '--numstat', '-z', '-M', from, head]);
    const changes: FileChange[] = [];
    const parts = numstat.split('\0');
    for (let i = 0; i < parts.length; i++) {
      const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(parts[i]!);
      if (!match) continue;
      const [, added = '0', deleted = '0', inline = ''] = match;
      // A rename leaves the path field empty and gives the old and new paths as the next fields.
      const renamed = inline === '';
      const previousPath = renamed ? parts[++i]! : undefined;
      const path = renamed ? parts[++i]! : inline;
      const exists = (await this.git(['cat-file', '-e', `${head}:${path}`])).code === 0;
      const existed =
        (await this.git(['cat-file', '-e', `${from}:${previousPath ?? path}`])).code === 0;
      changes.push({
        path,
        ...(previousPath ? { previousPath } : {}),
        status: renamed ? 'renamed' : !existed ? 'added' : !exists ? 'removed' : 'modified',
        additions: added === '-' ? 0 : Number(added),
        deletions: deleted === '-' ? 0 : Number(deleted),
        sha: exists ? (await this.git(['rev-parse', `${head}:${path}`])).stdout.trim() : ZERO_SHA,
      });
    }
    return changes;
  }

  /** The commits on head since its merge base with base, oldest first (a pull request's commits). */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const from = (await this.mergeBase(base, head)) ?? base;
    const out = await this.must(['rev-list', '--reverse', `${from}..${head}`]);
    return out.split('\n').filter(Boolean);
  }

  /** The unified diff of head against its merge base with base, as GitHub serves a pull request's. */
  async diff(base: string, head: string): Promise<string> {
    const from = (await this.mergeBase(base, head)) ?? base;
    return this.must(['diff', '-M', '--full-index', from, head]);
  }

  async commitCount(base: string, head: string): Promise<number> {
    return Number((await this.must(['rev-list', '--count', `${base}..${head}`])).trim());
  }
}
