#!/usr/bin/env node
// Counts the GitHub requests one worker run costs for an issue approved the first time: the
// committed dist/worker bundle run as a runner runs it, against the local twin (a stand-in for
// GitHub: counts are the twin's) and the twin's scripted model (no real model is called; model
// requests are counted apart). Run through `npm run bench:worker`.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Buffer } from 'node:buffer';
import { chainedBody, genesis } from '../build/ledger/chain.js';
import { encodeEntries } from '../build/ledger/codec.js';
import { trackingMarker } from '../build/ledger/tracking.js';
import { startTwin } from '../build/twin/index.js';

const exec = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const at = '2026-11-20T00:00:00Z';
const claim = {
  type: 'claim',
  issue: 1,
  claim: 'r100-1-e1',
  epoch: 1,
  kind: 'issue',
  files: ['src/cart.mjs'],
  run: 100,
  lease: '2099-01-01T00:00:00Z',
  at,
};
const story = {
  title: 'Cart total counts quantities',
  story: 'As a shopper, I want the cart total to count quantities, so that I pay for what I buy.',
  acceptanceCriteria: ['total() sums item.quantity', 'a test covers it'],
};
const json = (value) => ({ type: 'text', text: JSON.stringify(value) });
const scripts = mkdtempSync(join(tmpdir(), 'ai-scrum-bench-scripts-'));
const write = (name, match, turns) =>
  writeFileSync(join(scripts, `${name}.json`), JSON.stringify({ match, turns }));
write('10-story', 'Write the user story for issue #1', [{ content: [json(story)] }]);
write('20-developer', 'Implement it now.', [
  {
    stop_reason: 'tool_use',
    content: [
      {
        type: 'tool_use',
        id: 't1',
        name: 'str_replace_based_edit_tool',
        input: {
          command: 'create',
          path: 'src/cart.mjs',
          file_text:
            'export const total = (items) => items.reduce((sum, item) => sum + item.quantity, 0);\n',
        },
      },
    ],
  },
  { content: [{ type: 'text', text: 'Done.' }] },
]);
write('30-review', 'Review this diff.', [{ content: [json({ findings: [] })] }]);
write('40-verdict', 'Judge the developer', [
  { content: [json({ decision: 'approve', reasons: [] })] },
]);

const twin = await startTwin(
  {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'src/cart.mjs': 'export const total = (items) => items.length;\n',
        'test/cart.test.mjs':
          "import test from 'node:test';\nimport assert from 'node:assert';\nimport { total } from '../src/cart.mjs';\ntest('sums', () => assert.equal(total([{ quantity: 2 }]), 2));\n",
      },
    },
    users: [{ login: 'alice', permission: 'admin' }],
    tokens: {
      ghs_bot: {
        login: 'github-actions[bot]',
        permissions: {
          contents: 'write',
          issues: 'write',
          'pull-requests': 'write',
          actions: 'write',
        },
      },
    },
    labels: ['ai-ready', 'ai-in-progress', 'ai-completed', 'ai-failed', 'ai-coordination'],
    issues: [
      {
        number: 1,
        title: 'Cart total should count quantities',
        body: 'Fix `src/cart.mjs`.',
        author: 'alice',
        createdAt: '2026-11-01T00:00:00Z',
        labels: [
          { name: 'ai-ready', by: 'alice', at: '2026-11-02T00:00:00Z' },
          { name: 'ai-in-progress', by: 'github-actions[bot]', at },
        ],
      },
      {
        number: 2,
        title: 'AI Scrum Master — coordination',
        body: `${trackingMarker({ nonce: 'bench', from: null })}\ndashboard`,
        author: 'github-actions[bot]',
        createdAt: '2026-11-03T00:00:00Z',
        labels: [{ name: 'ai-coordination', by: 'github-actions[bot]', at }],
        comments: [
          {
            author: 'github-actions[bot]',
            at,
            body: chainedBody(genesis(2), 'bench', encodeEntries([claim])),
          },
        ],
      },
    ],
    workflows: [
      {
        name: 'CI',
        file: 'ci.yml',
        on: ['push', 'workflow_dispatch'],
        checks: ['test'],
        run: 'true',
      },
    ],
    timing: { mergeableUnknownReads: 0, asyncDelayMs: null },
  },
  { modelScriptsDir: scripts },
);
const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-bench-worker-'));
const workspace = join(dir, 'ws');
const auth = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_bot').toString('base64')}`;
try {
  await exec('git', [
    '-c',
    `http.extraheader=${auth}`,
    'clone',
    '-q',
    `${twin.urls.git}/acme/shop.git`,
    workspace,
  ]);
  const inputs = {
    'github-token': 'ghs_bot',
    issue: '1',
    claim: claim.claim,
    epoch: '1',
    files: '["src/cart.mjs"]',
    'anthropic-api-key': 'scripted',
    'anthropic-base-url': twin.urls.model,
    'test-command': 'node --test',
    'ci-workflow': 'ci.yml',
    sandbox: 'none',
  };
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    ...twin.env('ghs_bot'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '500',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    AI_SCRUM_WRITE_INTERVAL_MS: '0',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  writeFileSync(env.GITHUB_OUTPUT, '');
  writeFileSync(env.GITHUB_STEP_SUMMARY, '');
  twin.resetStats();
  const started = process.hrtime.bigint();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'dist/worker/index.js')], {
      env,
      stdio: 'ignore',
    });
    child.on('exit', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const outcome = /outcome<<(\S+)\n(\S+)/.exec(readFileSync(env.GITHUB_OUTPUT, 'utf8'))?.[2];
  const stats = twin.stats();
  const sum = (filter) =>
    Object.entries(stats.byRoute)
      .filter(([route]) => filter(route))
      .reduce((total, [, count]) => total + count, 0);
  const git = sum((route) => route.includes('.git/'));
  const model = sum((route) => route.includes('/v1/messages'));
  const api = stats.requests - git - model;
  console.log(
    `worker run for one issue approved the first time (exit ${code}, outcome ${outcome}):`,
  );
  console.log(`  GitHub API requests (REST + GraphQL): ${api} (goal: at most 15)`);
  console.log(`  content-creating requests:            ${stats.contentCreating} (goal: at most 6)`);
  console.log(`  GraphQL points:                       ${stats.graphqlPoints}`);
  console.log(`  git smart-HTTP requests:              ${git} (fetches and pushes, counted apart)`);
  console.log(`  model requests (scripted model):      ${model} (messages and token counts)`);
  console.log(`  wall time:                            ${seconds.toFixed(1)} s on this machine`);
  console.log('  by route:');
  for (const [route, count] of Object.entries(stats.byRoute).sort())
    console.log(`    ${String(count).padStart(3)}  ${route}`);
  if (code !== 0 || outcome !== 'approved') process.exitCode = 1;
} finally {
  await twin.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(scripts, { recursive: true, force: true });
}
