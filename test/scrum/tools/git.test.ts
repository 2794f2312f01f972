import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  changedProtectedPaths,
  repositoryMap,
  stripGitCredentials,
} from '../../../src/scrum/tools/index.js';
import { Scratch } from './support.js';

/** The repository around the agent: credentials removed, a map of its files, protected changes. */

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const GIT_ENV = {
  PATH: process.env.PATH,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], { env: GIT_ENV, encoding: 'utf8' });
}

function repository(files: Record<string, string>): string {
  const root = scratch.dir();
  git(root, 'init', '-q', '-b', 'main');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  return root;
}

describe('stripGitCredentials', () => {
  it('removes an extraheader, credential helpers, includes and tokens in URLs, naming each', () => {
    const root = repository({ 'README.md': 'x\n' });
    const token = 'ghs_strippedtoken0123456789abcdef';
    git(root, 'config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${token}`);
    git(root, 'config', 'credential.helper', 'store');
    git(
      root,
      'config',
      'includeIf.gitdir:/runner/work/.path',
      '/runner/temp/git-credentials.config',
    );
    git(root, 'remote', 'add', 'origin', `https://x-access-token:${token}@github.com/o/r.git`);
    git(root, 'remote', 'add', 'mirror', `https://${token}@example.com/o/r.git`);
    git(root, 'remote', 'add', 'ssh', 'ssh://git@github.com/o/r.git');
    git(root, 'config', `url.https://x:${token}@github.com/.insteadOf`, 'https://github.com/');

    const warnings = stripGitCredentials(root);

    const config = readFileSync(path.join(root, '.git', 'config'), 'utf8');
    expect(config).not.toContain(token);
    expect(config).not.toContain('extraheader');
    expect(config).not.toContain('helper');
    expect(config).not.toContain('includeIf');
    expect(git(root, 'remote', 'get-url', 'origin').trim()).toBe('https://github.com/o/r.git');
    expect(git(root, 'remote', 'get-url', 'mirror').trim()).toBe('https://example.com/o/r.git');
    expect(git(root, 'remote', 'get-url', 'ssh').trim()).toBe('ssh://git@github.com/o/r.git');
    expect(warnings).toHaveLength(6);
    expect(warnings.join('\n')).toContain('http.https://github.com/.extraheader');
    expect(warnings.join('\n')).toContain('remote.origin.url');
    expect(warnings.join('\n')).not.toContain(token);
    expect(stripGitCredentials(root)).toEqual([]);
  });

  it('does nothing outside a repository', () => {
    expect(stripGitCredentials(scratch.dir())).toEqual([]);
  });
});

describe('repositoryMap', () => {
  it('lists files with sizes, marks the footprint and caps the rest', () => {
    const root = repository({
      'README.md': 'hello\n',
      'src/a.ts': 'a'.repeat(2048),
      'src/b.ts': 'b',
      'src/c.ts': 'c',
      'docs/z.md': 'z',
    });
    writeFileSync(path.join(root, 'untracked.txt'), 'new');
    mkdirSync(path.join(root, 'node_modules', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', 'x', 'index.js'), '');
    expect(repositoryMap(root, { footprint: ['src/c.ts'] })).toBe(
      [
        "6 files, 2.0 KiB; * marks the issue's footprint (1)",
        '  README.md (6 B)',
        '  docs/z.md (1 B)',
        '  src/a.ts (2.0 KiB)',
        '  src/b.ts (1 B)',
        '* src/c.ts (1 B)',
        '  untracked.txt (3 B)',
      ].join('\n'),
    );
    const capped = repositoryMap(root, { footprint: ['src/**'], limit: 4 }).split('\n');
    expect(capped).toEqual([
      "6 files, 2.0 KiB; * marks the issue's footprint (3)",
      '  README.md (6 B)',
      '* src/a.ts (2.0 KiB)',
      '* src/b.ts (1 B)',
      '* src/c.ts (1 B)',
      '… and 2 more files (4 B) not listed',
    ]);
  });

  it('walks a directory that is not a repository, skipping node_modules and .git', () => {
    const root = scratch.dir();
    mkdirSync(path.join(root, 'node_modules'));
    writeFileSync(path.join(root, 'node_modules', 'x.js'), '');
    mkdirSync(path.join(root, 'lib'));
    writeFileSync(path.join(root, 'lib', 'x.js'), 'x');
    expect(repositoryMap(root, { footprint: [] })).toBe('1 file, 1 B\n  lib/x.js (1 B)');
  });
});

describe('changedProtectedPaths', () => {
  it('finds bash-made changes under protected globs: modified, new, deleted, renamed, committed', async () => {
    const root = repository({
      '.github/workflows/ci.yml': 'on: push\n',
      '.github/CODEOWNERS': '* @o\n',
      '.github/old.yml': 'x\n',
      'src/a.ts': 'a\n',
    });
    const base = git(root, 'rev-parse', 'HEAD').trim();
    expect(await changedProtectedPaths(root, ['.github/**'])).toEqual([]);

    writeFileSync(path.join(root, '.github', 'workflows', 'ci.yml'), 'on: pull_request_target\n');
    writeFileSync(path.join(root, '.github', 'workflows', 'new.yml'), 'on: push\n');
    git(root, 'mv', '.github/old.yml', 'moved.yml');
    writeFileSync(path.join(root, 'src', 'a.ts'), 'b\n');
    expect(await changedProtectedPaths(root, ['.github/**'])).toEqual([
      '.github/old.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/new.yml',
    ]);

    // A commit the agent made itself leaves the work tree clean; the base catches it.
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'agent');
    git(root, 'rm', '-q', '.github/CODEOWNERS');
    git(root, 'commit', '-q', '-m', 'agent again');
    expect(await changedProtectedPaths(root, ['.github/**'])).toEqual([]);
    expect(await changedProtectedPaths(root, ['.github/**'], base)).toEqual([
      '.github/CODEOWNERS',
      '.github/old.yml',
      '.github/workflows/ci.yml',
      '.github/workflows/new.yml',
    ]);
  });
});
