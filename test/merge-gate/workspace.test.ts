import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunnerWorkspace } from '../../src/merge-gate/workspace.js';

/** The gate's diff from the runner's checkout, as GitHub shows a pull request's. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** An origin with a base commit and a head that changes src/cart.js, and a clone of it. */
function repository(headFiles: Record<string, string>): {
  root: string;
  base: string;
  head: string;
} {
  const origin = mkdtempSync(join(tmpdir(), 'gate-origin-'));
  dirs.push(origin);
  git(origin, 'init', '-q', '-b', 'main');
  writeFileSync(join(origin, 'cart.js'), 'export const a = 1;\n');
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'base');
  const base = git(origin, 'rev-parse', 'HEAD');
  git(origin, 'checkout', '-q', '-b', 'ai-feature/issue-1');
  for (const [path, text] of Object.entries(headFiles)) writeFileSync(join(origin, path), text);
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'head');
  const head = git(origin, 'rev-parse', 'HEAD');
  git(origin, 'checkout', '-q', 'main');
  const root = mkdtempSync(join(tmpdir(), 'gate-checkout-'));
  dirs.push(root);
  execFileSync('git', ['clone', '-q', origin, root]);
  return { root, base, head };
}

describe('RunnerWorkspace.diff', () => {
  it('gives the lines the pull request changed, from the merge base', async () => {
    const { root, base, head } = repository({ 'cart.js': 'export const a = 2;\n' });
    const diff = await new RunnerWorkspace(root, null).diff(base, head);
    expect(diff).toContain('+++ b/cart.js');
    expect(diff).toContain('+export const a = 2;');
  });

  it('shows the lines even when the pull request marks its files as binary', async () => {
    const { root, base, head } = repository({
      '.gitattributes': '*.js -diff\n',
      'cart.js': 'export const a = 3;\n',
    });
    // The checkout holds the pull request's tree, its attributes with it, as on a pull_request run.
    git(root, 'checkout', '-q', head);
    const diff = await new RunnerWorkspace(root, null).diff(base, head);
    expect(diff).not.toContain('Binary files');
    expect(diff).toContain('+export const a = 3;');
  });

  it('answers null without a checkout, so the gate asks GitHub', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gate-empty-'));
    dirs.push(empty);
    expect(await new RunnerWorkspace(empty, null).diff('a'.repeat(40), 'b'.repeat(40))).toBeNull();
  });
});
