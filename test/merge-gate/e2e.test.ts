import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { runBundle } from '../support/bundle.js';
import {
  claim,
  GATE_PERMISSIONS,
  gateFixture,
  lcovWorkspace,
  passCheck,
  workerPull,
} from '../support/gate.js';
import { ROOT } from '../support/source.js';
import { readLedger } from '../support/invariants.js';
import { client } from '../support/twin.js';

/** The merge-gate bundle as a runner runs it, against the twin with its CI model and asynchrony. */

let twin: Twin | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FULL = { 1: 1, 2: 1, 3: 1, 4: 1 };

function gate(pull: number, inputs: Record<string, string> = {}, workspace = lcovWorkspace(FULL)) {
  dirs.push(workspace);
  return runBundle(
    'merge-gate',
    {
      'github-token': 'ghs_bot',
      'pull-request': String(pull),
      'coverage-files': 'coverage/lcov.info',
      ...inputs,
    },
    {
      ...twin!.env('ghs_bot'),
      GITHUB_WORKSPACE: workspace,
      GITHUB_RUN_ID: '321',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      AI_SCRUM_WRITE_INTERVAL_MS: '0',
      AI_SCRUM_MS_PER_SECOND: '20',
    },
  );
}

const api = () => client(twin!, 'ghp_alice');
const view = async (n: number) => (await api().request('GET', `/repos/acme/shop/pulls/${n}`)).body;

describe('merge-gate bundle against the twin', () => {
  it('runs with a token holding the permissions the example gate job and docs/permissions.md give it', () => {
    const docs = readFileSync(join(ROOT, 'docs/permissions.md'), 'utf8');
    const documented = /## merge-gate[\s\S]*?```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    expect(parse(documented)).toEqual({ permissions: GATE_PERMISSIONS });
    expect(gateFixture().tokens!['ghs_bot']).toEqual({
      login: 'github-actions[bot]',
      permissions: GATE_PERMISSIONS,
    });
  });

  it('merges a good pull request through auto-merge once its checks finish, then closes the books', async () => {
    twin = await startTwin(
      gateFixture({
        protection: { requiredChecks: ['test'] },
        // CI is held: its required check is queued, pending, when the gate judges.
        workflows: [
          {
            name: 'CI',
            file: 'ci.yml',
            on: ['workflow_dispatch'],
            checks: ['test'],
            run: 'true',
            hold: true,
          },
        ],
      }),
    );
    const pr = await workerPull(twin);
    // The worker starts CI on its branch (a GITHUB_TOKEN's pull request starts none by itself).
    await client(twin, 'ghs_worker').request(
      'POST',
      '/repos/acme/shop/actions/workflows/ci.yml/dispatches',
      { ref: 'ai-feature/issue-1' },
    );
    const first = await gate(pr.number);
    expect(first.code).toBe(0);
    expect(first.outputs['verdict']).toBe('merge');
    expect(first.summary).toContain('enabled auto-merge');
    expect((await view(pr.number)).auto_merge).not.toBeNull();
    await twin.state.tick();
    expect((await view(pr.number)).merged).toBe(true);

    const second = await gate(pr.number);
    expect(second.outputs['verdict']).toBe('merge');
    const issue = (await api().request('GET', '/repos/acme/shop/issues/1')).body;
    expect(issue.state).toBe('closed');
    expect(issue.labels.map((l: { name: string }) => l.name).sort()).toEqual([
      'ai-completed',
      'ai-ready',
    ]);
    expect(
      (await api().request('GET', '/repos/acme/shop/git/ref/heads/ai-feature/issue-1')).status,
    ).toBe(404);
    const ledger = await readLedger(twin);
    expect(ledger.state.issues.get(1)?.released).toMatchObject({
      claim: 'r100-1-e1',
      outcome: 'merged',
      pr: pr.number,
    });
    // A third look changes nothing: the release is written once.
    await gate(pr.number);
    expect((await readLedger(twin)).state.stats.entries).toBe(ledger.state.stats.entries);
  });

  it('falls back to a merge guarded by the head when GitHub refuses auto-merge as already clean', async () => {
    twin = await startTwin(gateFixture({ protection: { requiredChecks: ['test'] } }));
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.outputs['verdict']).toBe('merge');
    expect(result.summary).toContain('merged, guarded by the head commit');
    const merged = await view(pr.number);
    expect(merged.merged).toBe(true);
    expect((await api().request('GET', '/repos/acme/shop/issues/1')).body.state).toBe('closed');
  });

  it('blocks low coverage with the figure, and sets the failing status', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const result = await gate(pr.number, {}, lcovWorkspace({ 1: 1, 2: 0, 3: 0, 4: 0 }));
    expect(result.outputs['verdict']).toBe('block');
    expect(result.outputs['coverage']).toBe('25.00');
    expect(JSON.parse(result.outputs['reasons']!)).toEqual(
      expect.arrayContaining([expect.stringContaining('25.0% (1/4 lines) < 70%')]),
    );
    const statuses = (await api().request('GET', `/repos/acme/shop/commits/${pr.head}/status`))
      .body;
    expect(statuses.statuses).toEqual([
      expect.objectContaining({ context: 'ai-scrum/merge-gate', state: 'failure' }),
    ]);
    expect((await view(pr.number)).merged).toBe(false);
  });

  it('blocks a pull request whose epoch is stale', async () => {
    twin = await startTwin(
      gateFixture({ ledger: [[claim(1, 1)], [{ ...claim(1, 2), at: '2026-11-21T00:00:00Z' }]] }),
    );
    const pr = await workerPull(twin, { epoch: 1 });
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.outputs['verdict']).toBe('block');
    expect(result.outputs['reasons']).toContain('the ledger is at epoch 2 for #1');
    expect((await view(pr.number)).merged).toBe(false);
  });

  it('blocks a pull request that touches a protected path', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin, {
      files: {
        'src/cart.js': 'export function total(items) {\n  return 0;\n}\n',
        '.github/workflows/ci.yml': 'on: [push, pull_request]\n',
      },
    });
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.outputs['verdict']).toBe('block');
    expect(result.outputs['reasons']).toContain('changes .github/workflows/ci.yml');
  });

  it('waits on a draft and never merges it', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin, { draft: true });
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.outputs['verdict']).toBe('wait');
    expect(result.outputs['reasons']).toContain('draft');
    expect((await view(pr.number)).merged).toBe(false);
  });

  it('polls while GitHub computes mergeability, then judges', async () => {
    twin = await startTwin(
      gateFixture({ timing: { mergeableUnknownReads: 3, asyncDelayMs: null } }),
    );
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.summary).toMatch(/Read mergeability \d+ times while GitHub computed it/);
    expect(result.outputs['verdict']).toBe('merge');
  });

  it('never merges a head that moved while it judged', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    // The gate's status write is held up; meanwhile someone pushes to the branch.
    await fetch(`${twin.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        rules: [
          {
            route: 'POST /repos/{owner}/{repo}/statuses/{sha}',
            probability: 1,
            kind: 'latency',
            ms: 1500,
          },
        ],
      }),
    });
    const running = gate(pr.number);
    for (
      let i = 0;
      i < 200 && !(twin.stats().byRoute['POST /repos/{owner}/{repo}/statuses/{sha}'] ?? 0);
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    const worker = client(twin, 'ghs_worker');
    await worker.graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'ai-feature/issue-1' },
          expectedHeadOid: pr.head,
          message: { headline: 'Late change' },
          fileChanges: {
            additions: [{ path: 'late.txt', contents: Buffer.from('late').toString('base64') }],
          },
        },
      },
    );
    const result = await running;
    expect(result.outputs['verdict']).toBe('wait');
    expect(result.outputs['reasons']).toContain('the head moved');
    expect((await view(pr.number)).merged).toBe(false);
  });

  it('uses a required merge queue', async () => {
    twin = await startTwin(
      gateFixture({
        protection: { requiredChecks: ['test'], mergeQueue: true },
        workflows: [{ name: 'Queue', on: ['merge_group'], checks: ['test'], run: 'true' }],
      }),
    );
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const result = await gate(pr.number);
    expect(result.outputs['verdict']).toBe('merge');
    expect(result.summary).toContain('added to the merge queue');
    await twin.state.tick();
    expect((await view(pr.number)).merged).toBe(true);
  });

  it('hands a conflict back to a worker with its files named', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    // Someone else changes the same lines on main.
    await api().graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'main' },
          expectedHeadOid: (await api().request('GET', '/repos/acme/shop/git/ref/heads/main')).body
            .object.sha,
          message: { headline: 'Other total' },
          fileChanges: {
            additions: [
              {
                path: 'src/cart.js',
                contents: Buffer.from('export function total() {\n  return 42;\n}\n').toString(
                  'base64',
                ),
              },
            ],
          },
        },
      },
    );
    const workspace = lcovWorkspace(FULL);
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['init', '-q'], { cwd: workspace });
    execFileSync('git', ['remote', 'add', 'origin', `${twin.urls.git}/acme/shop.git`], {
      cwd: workspace,
    });
    const result = await gate(pr.number, {}, workspace);
    expect(result.outputs['verdict']).toBe('block');
    expect(result.summary).toContain('Conflicting files: `src/cart.js`');
    const labels = (await view(pr.number)).labels.map((l: { name: string }) => l.name);
    expect(labels).toContain('ai-conflict');
    expect((await view(pr.number)).state).toBe('open');
  });
});
