import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubLedgerAdapter } from '../../src/github/ledger-adapter.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { appendComments } from '../../src/ledger/ledger.js';
import { readClaimTrailers } from '../../src/ledger/trailers.js';
import { startTwin, type FixtureInput, type Twin } from '../../src/twin/index.js';
import { parseOutputs, runBundle } from '../support/bundle.js';
import { readLedger } from '../support/invariants.js';
import { ledgerIssue } from '../support/ledger.js';
import {
  COVERAGE_COMMAND,
  GOOD_CART,
  GOOD_TEST,
  json,
  STORY,
  text,
  tool,
  writeScripts,
  type Turn,
} from '../support/scrum.js';
import { ROOT } from '../support/source.js';
import { client, git } from '../support/twin.js';
import { commitToBranch } from '../support/worker.js';

/**
 * The worker bundle run as a runner runs it (dist/worker/index.js, inputs as INPUT_*, a checkout
 * without persisted credentials), against the twin with its token permissions and CI model, and
 * the scripted model. The model is scripted: these tests show the worker's behaviour, not a
 * model's.
 */

const LEASE = '2099-01-01T00:00:00Z';
const AT = '2026-11-20T00:00:00Z';

/** The `permissions:` of the documented worker job: all its GITHUB_TOKEN holds. */
const WORKER_PERMISSIONS = (
  parse(readFileSync(join(ROOT, 'docs/examples/dispatch.yml'), 'utf8')) as {
    jobs: { worker: { permissions: Record<string, string> } };
  }
).jobs.worker.permissions;

const claimEntry = (issue: number, epoch: number, extra: Partial<LedgerEntry> = {}): LedgerEntry =>
  ({
    type: 'claim',
    issue,
    claim: `r100-${issue}-e${epoch}`,
    epoch,
    kind: 'issue',
    files: ['src/cart.mjs'],
    run: 100,
    lease: LEASE,
    at: AT,
    ...extra,
  }) as LedgerEntry;

function fixture(
  options: { labels?: string[]; permissions?: Record<string, string> } = {},
): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'src/cart.mjs': 'export const total = (items) => items.length;\n',
        'test/cart.test.mjs':
          "import test from 'node:test';\nimport assert from 'node:assert';\nimport { total } from '../src/cart.mjs';\ntest('counts one of each', () => assert.equal(total([{ quantity: 1 }, { quantity: 1 }]), 2));\n",
        '.gitignore': 'coverage/\n',
        '.github/workflows/ci.yml': 'on: push\n',
      },
    },
    users: [{ login: 'alice', permission: 'admin' }],
    tokens: {
      ghs_bot: {
        login: 'github-actions[bot]',
        permissions: options.permissions ?? { ...WORKER_PERMISSIONS },
      } as never,
      ghs_dispatch: 'github-actions[bot]',
      ghp_alice: 'alice',
    },
    labels: [
      'ai-ready',
      'ai-in-progress',
      'ai-completed',
      'ai-failed',
      'ai-coordination',
      'ai-conflict',
      'complexity:large',
    ],
    issues: [
      {
        number: 1,
        title: 'Cart total should count quantities',
        body: 'The total counts items, not quantities. Fix `src/cart.mjs`.',
        author: 'alice',
        createdAt: '2026-11-01T00:00:00Z',
        labels: [
          { name: 'ai-ready', by: 'alice', at: '2026-11-02T00:00:00Z' },
          { name: 'ai-in-progress', by: 'github-actions[bot]', at: AT },
          ...(options.labels ?? []).map((name) => ({
            name,
            by: 'alice',
            at: '2026-11-02T00:00:00Z',
          })),
        ],
      },
      ledgerIssue({
        number: 2,
        at: '2026-11-03T00:00:00Z',
        comments: [{ author: 'github-actions[bot]', at: AT, entries: [claimEntry(1, 1)] }],
      }),
    ],
    // The repository's CI: a push or pull request by GITHUB_TOKEN starts it not, as on GitHub.
    workflows: [
      {
        name: 'CI',
        file: 'ci.yml',
        on: ['push', 'pull_request', 'workflow_dispatch'],
        checks: ['test'],
        run: 'node --test',
      },
    ],
    timing: { mergeableUnknownReads: 0, asyncDelayMs: null },
  };
}

const storyScript = {
  name: '10-story',
  match: 'Write the user story for issue #1',
  turns: [{ content: [json(STORY)] }],
};
const review = {
  name: '30-review',
  match: 'Review this diff.',
  turns: [{ content: [json({ findings: [] })] }],
};
const verdict = (
  decision: 'approve' | 'request-changes',
  name = '40-verdict',
  match = 'Judge the developer',
) => ({
  name,
  match,
  turns: [
    {
      content: [
        json({ decision, reasons: decision === 'approve' ? [] : ['Document what total() sums.'] }),
      ],
    },
  ],
});
const edits: Turn[] = [
  {
    content: [
      text('I will fix the total and add a test.'),
      tool('t1', 'str_replace_based_edit_tool', {
        command: 'str_replace',
        path: 'src/cart.mjs',
        old_str: 'export const total = (items) => items.length;\n',
        new_str: GOOD_CART,
      }),
      tool('t2', 'str_replace_based_edit_tool', {
        command: 'create',
        path: 'test/quantity.test.mjs',
        file_text: GOOD_TEST,
      }),
    ],
  },
  { content: [text('Done: total sums quantities; a test covers it.')] },
];
const developer = (turns: Turn[] = edits) => ({
  name: '20-developer',
  match: 'Implement it now.',
  turns,
});

let twin: Twin | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(
  scripts: Parameters<typeof writeScripts>[0],
  options: Parameters<typeof fixture>[0] = {},
) {
  const scriptsDir = writeScripts(scripts);
  dirs.push(scriptsDir);
  twin = await startTwin(fixture(options), { modelScriptsDir: scriptsDir });
  return twin;
}

/** A checkout as actions/checkout leaves it with `persist-credentials: false`. */
async function checkout(t: Twin): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-ws-'));
  dirs.push(dir);
  const auth = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_bot').toString('base64')}`;
  await git(
    ['-c', `http.extraheader=${auth}`, 'clone', '-q', `${t.urls.git}/acme/shop.git`, dir],
    tmpdir(),
  );
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

function inputs(t: Twin, changes: Record<string, string> = {}): Record<string, string> {
  return {
    'github-token': 'ghs_bot',
    issue: '1',
    claim: 'r100-1-e1',
    epoch: '1',
    branch: 'ai-feature/issue-1',
    files: '["src/cart.mjs"]',
    kind: 'issue',
    'anthropic-api-key': 'test-key',
    'anthropic-base-url': t.urls.model,
    'review-model': 'claude-haiku-5-5',
    'test-command': 'node --test',
    'coverage-command': COVERAGE_COMMAND,
    'coverage-files': 'coverage/lcov.info',
    sandbox: 'none',
    'deadline-minutes': '60',
    'ci-workflow': 'ci.yml',
    ...changes,
  };
}

/** Starts the worker bundle as a process with a runner's environment; `done` settles on exit. */
function launch(
  t: Twin,
  workspace: string,
  given: Record<string, string>,
  env: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-run-'));
  dirs.push(dir);
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ...t.env('ghs_bot'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '500',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    AI_SCRUM_WRITE_INTERVAL_MS: '0',
    ...files,
    ...env,
  };
  for (const [name, value] of Object.entries(given))
    childEnv[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [join(ROOT, 'dist/worker/index.js')], { env: childEnv });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        outputs: parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      }),
    ),
  );
  return { child, done };
}

async function runWorker(
  t: Twin,
  changes: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<Run> {
  return launch(t, await checkout(t), inputs(t, changes), env).done;
}

const entriesOf = async (t: Twin) =>
  (await readLedger(t)).log!.accepted.flatMap((c) =>
    [...c.body.matchAll(/<!-- ai-scrum-ledger v1 (\{[^\n]*?\}) -->/g)].map(
      (m) => JSON.parse(m[1]!) as LedgerEntry,
    ),
  );
const pulls = (t: Twin) =>
  [...t.state.items.values()].filter(
    (item): item is Extract<typeof item, { kind: 'pull' }> => item.kind === 'pull',
  );
const ref = (t: Twin, branch: string) => t.state.git.resolve(`refs/heads/${branch}`);

/** Until the first checkpoint is in the ledger and its commit on the branch (pushed after it). */
async function checkpointPushed(t: Twin): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const commit = t.state.comments
      .filter((c) => c.issue === 2)
      .map((c) => /"type":"checkpoint".*?"commit":"([0-9a-f]{40})"/.exec(c.body)?.[1])
      .find(Boolean);
    if (commit && (await ref(t, 'ai-feature/issue-1')) === commit) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no checkpoint was pushed');
}
const issue = (t: Twin, n: number) => t.state.item(n);
const labelsOf = (t: Twin, n: number) => [...issue(t, n).labels].sort();

async function appendLedger(t: Twin, entries: LedgerEntry[]): Promise<void> {
  const ledger = await readLedger(t);
  const port = new GitHubLedgerAdapter(
    createGitHubClient({
      token: 'ghs_dispatch',
      apiUrl: t.urls.api,
      graphqlUrl: t.urls.graphql,
      writeIntervalMs: 0,
    }),
    { owner: 'acme', repo: 'shop' },
  );
  await appendComments(
    port,
    ledger,
    { label: 'ai-coordination', writers: [], title: 'AI Scrum Master — coordination' },
    [encodeEntries(entries)],
    '',
  );
}

describe('the worker bundle against the twin', () => {
  it('is approved the first time: a ready pull request, ai-completed, a release, within the request budget', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')]);
    const result = await runWorker(t);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      outcome: 'approved',
      'pr-number': expect.stringMatching(/^\d+$/),
      revisions: '0',
    });
    expect(Number(result.outputs['cost-usd'])).toBeGreaterThan(0);
    expect(Number(result.outputs['input-tokens'])).toBeGreaterThan(0);

    const pull = pulls(t)[0]!;
    expect(pulls(t)).toHaveLength(1);
    expect(pull).toMatchObject({ draft: false, head: 'ai-feature/issue-1' });
    expect(pull.body).toContain('Closes #1');
    expect(pull.body).toContain('Cart total counts quantities');
    expect(pull.body).toMatch(/Tests \(\\`node --test\\`\): exit 0, 2 passed, 0 failed/);
    expect(pull.body).toMatch(/Coverage: \d+\.\d% of lines/);
    expect(pull.body).toContain('No findings.');
    expect(pull.body).toContain('## Revisions: 0');
    expect(pull.body).toContain('claude-haiku-5-5');
    expect(pull.body).toContain('<!-- ai-scrum-claim v1 claim=r100-1-e1 epoch=1 -->');
    expect(labelsOf(t, 1)).toEqual(['ai-completed', 'ai-ready']);

    // Every commit on the branch carries the claim; the head is the approved round.
    const head = (await ref(t, 'ai-feature/issue-1'))!;
    const log = await git(['log', '--format=%B%x00', `main..${head}`], t.state.git.path);
    for (const message of log.split('\0').filter((m) => m.trim() !== ''))
      expect(readClaimTrailers(message)).toEqual({ claim: 'r100-1-e1', epoch: 1 });

    const entries = await entriesOf(t);
    expect(entries.filter((e) => e.type === 'checkpoint')).toHaveLength(1);
    expect(entries.at(-1)).toMatchObject({
      type: 'release',
      outcome: 'pr-opened',
      pr: pull.number,
      claim: 'r100-1-e1',
    });
    // One progress comment, edited in place.
    const progress = t.state.comments.filter(
      (c) => c.issue === 1 && c.body.includes('ai-scrum-progress'),
    );
    expect(progress).toHaveLength(1);
    expect(progress[0]!.body).toContain('approved');
    expect(result.summary).toContain('#1 — approved');
    // Its pushes started no CI (GITHUB_TOKEN); the workflow_dispatch it sent did, on the head.
    await t.state.tick();
    const state = (await t.state.snapshot()) as {
      ciRuns: { event: string; head: string; conclusion: string | null }[];
      suppressedCi: unknown[];
    };
    expect(state.suppressedCi.length).toBeGreaterThan(0);
    expect(state.ciRuns).toEqual([
      expect.objectContaining({ event: 'workflow_dispatch', conclusion: 'success' }),
    ]);
    expect(t.state.checkRuns.filter((c) => c.headSha === head && c.name === 'test')).toHaveLength(
      1,
    );
  });

  it('removes the credentials a checkout persisted before the agent runs, and warns', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')]);
    const workspace = await checkout(t);
    const auth = `AUTHORIZATION: basic ${Buffer.from('x-access-token:ghs_bot').toString('base64')}`;
    await git(['config', '--local', 'http.https://github.com/.extraheader', auth], workspace);
    const result = await launch(t, workspace, inputs(t)).done;
    expect(result.outputs['outcome']).toBe('approved');
    expect(result.stdout).toContain('::warning::Removed http.https://github.com/.extraheader');
    expect(result.stdout).toContain('persist-credentials: false');
    expect(await git(['config', '--local', '--list'], workspace)).not.toContain('extraheader');
    // Nothing the model received holds the token.
    expect(JSON.stringify(t.modelRequests())).not.toContain('ghs_bot');
  });

  it('counts its GitHub requests: at most 15, at most 6 content-creating, for a first-time approval', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')]);
    const workspace = await checkout(t);
    t.resetStats();
    const result = await launch(t, workspace, inputs(t)).done;
    expect(result.outputs['outcome']).toBe('approved');
    const stats = t.stats();
    const api = Object.entries(stats.byRoute)
      .filter(([route]) => !route.includes('.git/') && !route.includes('/v1/messages'))
      .reduce((sum, [, count]) => sum + (count as number), 0);
    expect(api).toBeLessThanOrEqual(15);
    expect(stats.contentCreating).toBeLessThanOrEqual(6);
  });

  it('takes one revision when the product owner asks for changes once', async () => {
    const t = await start([
      storyScript,
      developer([
        ...edits,
        {
          content: [
            tool('t3', 'str_replace_based_edit_tool', {
              command: 'insert',
              path: 'src/cart.mjs',
              insert_line: 0,
              insert_text: '// Sums quantities (REVISED).\n',
            }),
          ],
        },
        { content: [text('Documented.')] },
      ]),
      review,
      verdict('approve', '39-verdict-revised', 'REVISED'),
      verdict('request-changes'),
    ]);
    const result = await runWorker(t);
    expect(result.outputs).toMatchObject({ outcome: 'approved', revisions: '1' });
    expect((await entriesOf(t)).filter((e) => e.type === 'checkpoint')).toHaveLength(2);
    expect(pulls(t)).toHaveLength(1);
    expect(pulls(t)[0]!.body).toContain('## Revisions: 1');
  });

  it('is rejected after max-revisions: ai-failed, the branch kept, a rejected release', async () => {
    const t = await start([
      storyScript,
      developer([...edits, { content: [text('Nothing more to do.')] }]),
      review,
      verdict('request-changes'),
    ]);
    const result = await runWorker(t, { 'max-revisions': '1' });
    expect(result.outputs).toMatchObject({ outcome: 'rejected', revisions: '1' });
    expect(labelsOf(t, 1)).toEqual(['ai-failed', 'ai-ready']);
    expect(await ref(t, 'ai-feature/issue-1')).toBeDefined();
    expect((await entriesOf(t)).at(-1)).toMatchObject({ type: 'release', outcome: 'rejected' });
    expect(pulls(t)[0]!.draft).toBe(true);
  });

  it('keeps its checkpoint when the budget runs out, and says so', async () => {
    const long = 'x'.repeat(40_000);
    const t = await start([
      storyScript,
      developer([
        { content: [text(long), ...edits[0]!.content.slice(1)] },
        { content: [text('never reached')] },
      ]),
      review,
      verdict('approve'),
    ]);
    const result = await runWorker(t, { 'issue-budget-usd': '0.53', 'budget-reserve-usd': '0.3' });
    expect(result.outputs['outcome']).toBe('budget-exhausted');
    const entries = await entriesOf(t);
    const checkpoint = entries.find((e) => e.type === 'checkpoint');
    expect(checkpoint).toMatchObject({ phase: 'budget', round: 1 });
    expect(await ref(t, 'ai-feature/issue-1')).toBe((checkpoint as { commit: string }).commit);
    expect(Number(result.outputs['cost-usd'])).toBeLessThanOrEqual(0.53);
    expect(entries.at(-1)).toMatchObject({ type: 'release', outcome: 'failed' });
  });

  it('exits without pushing when its claim is void, and says why', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')]);
    const result = await runWorker(t, { claim: 'r100-1-e7', epoch: '7' });
    expect(result.code).toBe(0);
    expect(result.outputs['outcome']).toBe('superseded');
    expect(result.stdout).toContain("the issue's effective claim is `r100-1-e1`");
    expect(await ref(t, 'ai-feature/issue-1')).toBeUndefined();
    expect(t.modelRequests()).toHaveLength(0);
    expect(t.state.comments.filter((c) => c.issue === 1)).toHaveLength(0);
  });

  it('two workers for the same issue at once: exactly one branch and one pull request', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')]);
    const [a, b] = await Promise.all([checkout(t), checkout(t)]);
    const results = await Promise.all([launch(t, a, inputs(t)).done, launch(t, b, inputs(t)).done]);
    expect(results.map((r) => r.outputs['outcome']).sort()).toEqual(['approved', 'superseded']);
    expect(pulls(t)).toHaveLength(1);
    expect((await t.state.git.refs('refs/heads/ai-feature/')).map((found) => found.ref)).toEqual([
      'refs/heads/ai-feature/issue-1',
    ]);
    expect(
      t.state.comments.filter((c) => c.issue === 1 && c.body.includes('ai-scrum-progress')),
    ).toHaveLength(1);
  });

  it('killed after its first checkpoint, then re-run: resumes from the checkpoint and reports the combined cost', async () => {
    const t = await start([
      storyScript,
      // Round 2 of the first run sleeps: it is killed there, after round 1's checkpoint.
      developer([...edits, { content: [tool('s1', 'bash', { command: 'sleep 30' })] }]),
      {
        name: '19-resumed',
        match: 'Go on from there',
        turns: [
          {
            content: [
              tool('r1', 'str_replace_based_edit_tool', {
                command: 'insert',
                path: 'src/cart.mjs',
                insert_line: 0,
                insert_text: '// Sums quantities (RESUMED).\n',
              }),
            ],
          },
          { content: [text('Documented.')] },
        ],
      },
      review,
      verdict('approve', '39-verdict-resumed', 'RESUMED'),
      verdict('request-changes'),
    ]);
    const first = launch(t, await checkout(t), inputs(t));
    // Killed as soon as its first checkpoint is in the ledger and pushed.
    await checkpointPushed(t);
    first.child.kill('SIGKILL');
    await first.done;
    const checkpoint = (await entriesOf(t)).find((e) => e.type === 'checkpoint') as {
      commit: string;
      spendUsd: number;
    };
    expect(checkpoint).toBeDefined();

    // The job re-run: the same claim, a later attempt.
    const second = await runWorker(t, {}, { GITHUB_RUN_ATTEMPT: '2' });
    expect(second.summary).toContain('approved');
    expect(second.outputs['outcome']).toBe('approved');
    const resumed = t
      .modelRequests()
      .filter((r) => JSON.stringify(r.body).includes('Go on from there'));
    expect(resumed.length).toBeGreaterThan(0);
    // No second story: the checkpoint's note carried it.
    expect(
      t
        .modelRequests()
        .filter(
          (r) =>
            r.path.endsWith('/v1/messages') &&
            JSON.stringify(r.body).includes('Write the user story'),
        ),
    ).toHaveLength(1);
    const pull = pulls(t)[0]!;
    expect(pulls(t)).toHaveLength(1);
    expect(pull.body).toContain(`Resumed from checkpoint ${checkpoint.commit.slice(0, 7)}`);
    const combined = checkpoint.spendUsd + Number(second.outputs['cost-usd']);
    expect(second.summary).toContain(`$${combined.toFixed(4)}`);
    const ledger = await readLedger(t);
    expect(ledger.state.issues.get(1)!.spendUsd).toBeCloseTo(combined, 6);
  });

  it('stops publishing when its claim is ended while it works: no ready pull request, no label, no release', async () => {
    const t = await start([
      storyScript,
      // Round 2 takes a few seconds: the claim ends meanwhile.
      developer([
        ...edits,
        { content: [tool('s1', 'bash', { command: 'sleep 3' })] },
        { content: [text('Done.')] },
      ]),
      review,
      verdict('approve', '39-verdict-second', 'Nothing'),
      verdict('request-changes'),
    ]);
    const run = launch(t, await checkout(t), inputs(t));
    await checkpointPushed(t);
    const pushed = await ref(t, 'ai-feature/issue-1');
    // Dispatch ends the claim (its run finished, as the Actions API says) and claims again.
    await appendLedger(t, [
      { type: 'expire', issue: 1, claim: 'r100-1-e1', reason: 'run-finished', at: AT },
      claimEntry(1, 2),
    ]);
    const result = await run.done;
    expect(result.outputs['outcome']).toBe('superseded');
    expect(await ref(t, 'ai-feature/issue-1')).toBe(pushed);
    expect(pulls(t)[0]!.draft).toBe(true);
    expect(labelsOf(t, 1)).not.toContain('ai-completed');
    const entries = await entriesOf(t);
    expect(entries.filter((e) => e.type === 'release')).toHaveLength(0);
    // Its spend is recorded all the same.
    expect(entries.at(-1)).toMatchObject({
      type: 'checkpoint',
      phase: 'stopped',
      claim: 'r100-1-e1',
    });
  });

  it('resolves a conflict task: merges the base, the developer fixes the files, pushes under the same pull request', async () => {
    const t = await start([
      storyScript,
      developer(),
      review,
      verdict('approve'),
      {
        name: '15-resolve',
        match: 'these files conflict',
        turns: [
          {
            content: [
              tool('c1', 'bash', {
                command: `printf '%s' ${JSON.stringify(GOOD_CART.replace('0);', '0); // merged'))} > src/cart.mjs`,
              }),
            ],
          },
          { content: [text('Resolved.')] },
        ],
      },
    ]);
    expect((await runWorker(t)).outputs['outcome']).toBe('approved');
    const pull = pulls(t)[0]!;
    // main changes the same line, the gate hands the conflict back, dispatch claims it.
    // main also changed a protected path: the task's review reads only what the worker changed.
    await commitToBranch(
      client(t, 'ghp_alice'),
      'main',
      { headline: 'CI on pull requests too' },
      { path: '.github/workflows/ci.yml', contents: 'on: [push, pull_request]\n' },
    );
    await commitToBranch(
      client(t, 'ghp_alice'),
      'main',
      { headline: 'Count by price' },
      {
        path: 'src/cart.mjs',
        contents: 'export const total = (items) => items.reduce((s, i) => s + i.price, 0);\n',
      },
    );
    await client(t, 'ghs_dispatch').request(
      'POST',
      `/repos/acme/shop/issues/${pull.number}/labels`,
      { labels: ['ai-conflict'] },
    );
    await appendLedger(t, [claimEntry(1, 2, { kind: 'conflict', pr: pull.number })]);

    const result = await runWorker(t, {
      kind: 'conflict',
      pull: String(pull.number),
      claim: 'r100-1-e2',
      epoch: '2',
    });
    expect(result.summary).toContain('resolved');
    expect(result.outputs).toMatchObject({ outcome: 'resolved', 'pr-number': String(pull.number) });
    expect(pulls(t)).toHaveLength(1);
    const head = (await ref(t, 'ai-feature/issue-1'))!;
    const merged = await git(['show', `${head}:src/cart.mjs`], t.state.git.path);
    expect(merged).toContain('// merged');
    const parents = await git(['log', '--format=%P', '-1', head], t.state.git.path);
    expect(parents.trim().split(' ')).toHaveLength(2);
    expect(
      readClaimTrailers(await git(['log', '--format=%B', '-1', head], t.state.git.path)),
    ).toEqual({ claim: 'r100-1-e2', epoch: 2 });
    expect(labelsOf(t, pull.number)).not.toContain('ai-conflict');
  });

  it('splits a large issue into ordered sub-issues that the next dispatch picks up in order', async () => {
    const split = {
      issues: [
        {
          title: 'Quantities in the total',
          story: 'As a shopper…',
          acceptanceCriteria: ['sums quantities'],
          files: ['src/cart.mjs'],
        },
        {
          title: 'A test for the total',
          story: 'As a maintainer…',
          acceptanceCriteria: ['a test covers it'],
          files: ['test/cart.test.mjs'],
        },
      ],
    };
    const t = await start(
      [
        {
          name: '10-split',
          match: 'Split issue #1 into small issues',
          turns: [{ content: [json(split)] }],
        },
      ],
      {
        labels: ['complexity:large'],
      },
    );
    const result = await runWorker(t);
    expect(result.outputs['outcome']).toBe('decomposed');
    const subs = [...t.state.items.values()]
      .filter((item) => item.kind === 'issue' && item.number > 2)
      .sort((a, b) => a.number - b.number);
    expect(subs.map((s) => s.title)).toEqual(['Quantities in the total', 'A test for the total']);
    expect(t.state.issue(1).subIssues).toEqual(subs.map((s) => s.number));
    expect(t.state.issue(subs[1]!.number).blockedBy).toEqual([subs[0]!.number]);
    for (const sub of subs) expect(sub.labels).toContain('ai-ready');
    expect((await entriesOf(t)).at(-1)).toMatchObject({ type: 'release', outcome: 'decomposed' });

    const dispatch = await runBundle(
      'dispatch',
      { 'github-token': 'ghs_dispatch', 'max-workers': '5' },
      {
        ...t.env('ghs_dispatch'),
        GITHUB_RUN_ID: '600',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_EVENT_NAME: 'schedule',
        AI_SCRUM_WRITE_INTERVAL_MS: '0',
      },
    );
    expect(dispatch.code).toBe(0);
    const matrix = JSON.parse(dispatch.outputs['matrix']!) as { include: { issue: number }[] };
    expect(matrix.include.map((entry) => entry.issue)).toEqual([subs[0]!.number]);
  });

  it('stops with an error naming contents: write when the token may not push, before any model call', async () => {
    const t = await start([storyScript, developer(), review, verdict('approve')], {
      permissions: { contents: 'read', issues: 'write', 'pull-requests': 'write' },
    });
    const result = await runWorker(t);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error::ai-scrum-master\/worker failed: .*'contents: write'/);
    expect(t.modelRequests()).toHaveLength(0);
  });
});
