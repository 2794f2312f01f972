import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real little project for the Scrum Master's loop: a git repository whose tests run with
 * `node --test` and whose coverage is node's own lcov report, plus scripted model conversations.
 */

export const TEST_COMMAND = 'node --test';
export const COVERAGE_COMMAND =
  'mkdir -p coverage && node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=coverage/lcov.info';

export function sampleRepository(): { root: string; base: string } {
  const root = mkdtempSync(join(tmpdir(), 'ai-scrum-loop-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('src/cart.mjs', 'export const total = (items) => items.length;\n');
  write(
    'test/cart.test.mjs',
    "import test from 'node:test';\nimport assert from 'node:assert';\nimport { total } from '../src/cart.mjs';\ntest('counts one of each', () => assert.equal(total([{ quantity: 1 }, { quantity: 1 }]), 2));\n",
  );
  write('.gitignore', 'coverage/\n');
  write('.github/workflows/ci.yml', 'on: push\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'Initial');
  return { root, base: git('rev-parse', 'HEAD') };
}

type Block = Record<string, unknown>;

export const text = (value: string): Block => ({ type: 'text', text: value });
export const json = (value: unknown): Block => text(JSON.stringify(value));
export const tool = (id: string, name: string, input: Record<string, unknown>): Block => ({
  type: 'tool_use',
  id,
  name,
  input,
});

export interface Turn {
  content: Block[];
  stop_reason?: string;
  failFirst?: {
    status: 429 | 500 | 529;
    retryAfterMs?: number;
    errorCode?: string;
    inStream?: boolean;
  }[];
}

/** Writes one script per file, named so that the more specific ones are matched first. */
export function writeScripts(scripts: { name: string; match: string; turns: Turn[] }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-scripts-'));
  for (const script of scripts)
    writeFileSync(
      join(dir, `${script.name}.json`),
      JSON.stringify({
        match: script.match,
        turns: script.turns.map((turn) => ({
          stop_reason: turn.content.some((b) => b['type'] === 'tool_use') ? 'tool_use' : 'end_turn',
          ...turn,
        })),
      }),
    );
  return dir;
}

export const STORY = {
  title: 'Cart total counts quantities',
  story: 'As a shopper, I want the cart total to count quantities, so that I pay for what I buy.',
  acceptanceCriteria: ['total() sums item.quantity', 'a test covers it'],
};

/** The developer's edits that make the story true, with a test. */
export const GOOD_CART =
  'export const total = (items) => items.reduce((sum, item) => sum + item.quantity, 0);\n';
export const GOOD_TEST =
  "import test from 'node:test';\nimport assert from 'node:assert';\nimport { total } from '../src/cart.mjs';\ntest('sums quantities', () => assert.equal(total([{ quantity: 2 }, { quantity: 3 }]), 5));\n";
