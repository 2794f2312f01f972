import { afterEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { gitHubMergeGatePorts } from '../../src/github/merge-gate-ports.js';
import { runMergeGate } from '../../src/merge-gate/run.js';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { twinDeps } from '../support/dispatch.js';
import { gateFixture, lcovWorkspace, passCheck, workerPull } from '../support/gate.js';
import { startStub } from '../support/http-stub.js';
import { client } from '../support/twin.js';

/** The merge gate in-process against the twin: coverage sources, recording, its one comment. */

let twin: Twin | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FULL = { 1: 1, 2: 1, 3: 1, 4: 1 };

async function gate(inputs: Record<string, string>, workspace = lcovWorkspace(FULL), env = {}) {
  dirs.push(workspace);
  const run = twinDeps(
    twin!,
    { 'github-token': 'ghs_bot', ...inputs },
    {
      GITHUB_WORKSPACE: workspace,
      AI_SCRUM_MS_PER_SECOND: '1',
      ...env,
    },
  );
  await runMergeGate(run.deps, gitHubMergeGatePorts);
  return { ...run, summary: run.summaries.join('\n') };
}

const api = () => client(twin!, 'ghp_alice');

describe('merge gate flows', () => {
  it('reads coverage from the CI run’s artifact for the head commit, and waits until it exists', async () => {
    twin = await startTwin(
      gateFixture({
        workflows: [
          {
            name: 'CI',
            file: 'ci.yml',
            on: ['workflow_dispatch'],
            checks: ['test'],
            run: 'mkdir -p coverage && printf "TN:\\nSF:src/cart.js\\nDA:1,1\\nDA:2,1\\nDA:3,1\\nDA:4,0\\nend_of_record\\n" > coverage/lcov.info',
            artifacts: [{ name: 'coverage', paths: ['coverage/lcov.info'] }],
          },
        ],
      }),
    );
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head, 'lint');
    const before = await gate({
      'pull-request': String(pr.number),
      'coverage-artifact': 'coverage',
      'expected-reports': '1',
    });
    expect(before.outputs['verdict']).toBe('wait');
    expect(before.outputs['reasons']).toContain('0 of 1 reports arrived');
    await client(twin, 'ghs_worker').request(
      'POST',
      '/repos/acme/shop/actions/workflows/ci.yml/dispatches',
      {
        ref: 'ai-feature/issue-1',
      },
    );
    await twin.state.tick();
    const after = await gate({
      'pull-request': String(pr.number),
      'coverage-artifact': 'coverage',
      'expected-reports': '1',
    });
    expect(after.outputs['coverage']).toBe('75.00');
    expect(after.outputs['patch-coverage']).toBe('66.67');
    expect(after.outputs['verdict']).toBe('block');
    expect(after.summary).toContain('Changed lines no test ran');
  });

  it('finds the pull request of a CI run the worker started on its branch (workflow_run)', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/ai-scrum-event-');
    dirs.push(dir);
    writeFileSync(
      `${dir}/event.json`,
      JSON.stringify({ workflow_run: { head_branch: 'ai-feature/issue-1', pull_requests: [] } }),
    );
    const run = await gate({ 'coverage-files': 'coverage/lcov.info' }, lcovWorkspace(FULL), {
      GITHUB_EVENT_PATH: `${dir}/event.json`,
      GITHUB_EVENT_NAME: 'workflow_run',
    });
    expect(run.outputs['pull-request']).toBe(String(pr.number));
    expect(run.outputs['verdict']).toBe('merge');
  });

  it('tells the chat of the merge and moves the issue to Done on the board', async () => {
    const hook = await startStub([{ status: 200, body: 'ok' }]);
    try {
      twin = await startTwin({
        ...gateFixture(),
        projects: [
          {
            ownerType: 'organization',
            owner: 'acme',
            number: 1,
            title: 'Roadmap',
            access: { alice: 'admin' },
            items: [{ number: 1, values: { Status: 'In Progress' } }],
          },
        ],
      });
      const pr = await workerPull(twin);
      await passCheck(twin, pr.head);
      const run = await gate({
        'pull-request': String(pr.number),
        'coverage-files': 'coverage/lcov.info',
        'slack-webhook': `${hook.url}/hook`,
        project: 'https://github.com/orgs/acme/projects/1',
        'project-token': 'ghp_alice',
      });
      expect(run.outputs['verdict']).toBe('merge');
      expect(Number(run.outputs['requests'])).toBeGreaterThan(0);
      expect(hook.seen).toHaveLength(1);
      const message = JSON.parse(hook.seen[0]!.body) as { text: string };
      expect(message.text).toContain('#1');
      expect(hook.seen[0]!.body).toMatch(/[Mm]erged/);
      const status = await client(twin, 'ghp_alice').graphql(
        `query { repository(owner: "acme", name: "shop") { issue(number: 1) { projectItems(first: 5) { nodes { fieldValueByName(name: "Status") { ... on ProjectV2ItemFieldSingleSelectValue { name } } } } } } }`,
      );
      expect(status.body.data.repository.issue.projectItems.nodes).toEqual([
        { fieldValueByName: { name: 'Done' } },
      ]);
    } finally {
      await hook.stop();
    }
  });

  it('keeps one comment on the pull request, edited as the verdict changes', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await gate({ 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' });
    await passCheck(twin, pr.head);
    await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
      'dry-run': 'true',
    });
    await gate({ 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' });
    const comments = (await api().request('GET', `/repos/acme/shop/issues/${pr.number}/comments`))
      .body as {
      body: string;
      user: { login: string };
    }[];
    expect(comments).toHaveLength(1);
    expect(comments[0]!.user.login).toBe('github-actions[bot]');
    expect(comments[0]!.body).toContain('✅ **merge**');
  });

  it('writes its comment once when GitHub applied it but the answer was lost', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    // Checks still pending: the gate waits, and says why in its comment.
    await fetch(`${twin.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        rules: [
          {
            route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
            probability: 1,
            kind: 'applied-status',
            status: 502,
          },
        ],
      }),
    });
    await gate({ 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' });
    const comments = (await api().request('GET', `/repos/acme/shop/issues/${pr.number}/comments`))
      .body as { body: string }[];
    expect(comments.filter((c) => c.body.startsWith('<!-- ai-scrum-merge-gate -->'))).toHaveLength(
      1,
    );
  });

  it('measures patch coverage from the files list when GitHub refuses the diff as too large', async () => {
    twin = await startTwin(gateFixture());
    twin.state.diffMaxLines = 2;
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const run = await gate(
      { 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' },
      lcovWorkspace({ 1: 1, 2: 1, 3: 0, 4: 1 }),
    );
    expect(run.summary).toContain('GitHub refused the diff as too large');
    expect(run.outputs['patch-coverage']).toBe('66.67');
  });

  it('asks GitHub to update a branch that is behind, and waits', async () => {
    twin = await startTwin(
      gateFixture({ protection: { requiredChecks: ['test'], requireUpToDate: true } }),
    );
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    await api().graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'main' },
          expectedHeadOid: (await api().request('GET', '/repos/acme/shop/git/ref/heads/main')).body
            .object.sha,
          message: { headline: 'Docs' },
          fileChanges: {
            additions: [{ path: 'docs.md', contents: Buffer.from('docs').toString('base64') }],
          },
        },
      },
    );
    const run = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(run.outputs['verdict']).toBe('wait');
    expect(run.summary).toContain('asked GitHub to update the branch');
    await twin.state.tick();
    const head = (await api().request('GET', '/repos/acme/shop/git/ref/heads/ai-feature/issue-1'))
      .body.object.sha;
    expect(head).not.toBe(pr.head);
  });

  it('waits for an approval when a label demands a human, and merges after it', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    await api().request('POST', `/repos/acme/shop/issues/${pr.number}/labels`, {
      labels: ['priority:critical'],
    });
    const waiting = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(waiting.outputs['verdict']).toBe('wait');
    expect(waiting.outputs['reasons']).toContain('waiting for an approving review');
    await client(twin, 'ghp_bob').request('POST', `/repos/acme/shop/pulls/${pr.number}/reviews`, {
      event: 'APPROVE',
    });
    const approved = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(approved.outputs['verdict']).toBe('merge');
  });

  it('closes the issue a split came from once its last sub-issue merged', async () => {
    const fixture = gateFixture();
    fixture.issues!.push(
      {
        number: 3,
        title: 'Checkout rework',
        author: 'alice',
        createdAt: '2026-11-01T00:00:00Z',
        subIssues: [1, 4],
      },
      {
        number: 4,
        title: 'First part, done',
        author: 'alice',
        createdAt: '2026-11-01T00:00:00Z',
        state: 'closed',
      },
    );
    twin = await startTwin(fixture);
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const inputs = { 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' };
    const merged = await gate(inputs);
    expect(merged.outputs['verdict']).toBe('merge');
    expect(twin.state.pull(pr.number).merged).toBe(true);
    expect(merged.summary).toContain('closed the issue this one was split from');
    expect(twin.state.issue(3).state).toBe('closed');
  });

  it('leaves the issue a split came from open while another sub-issue is open', async () => {
    const fixture = gateFixture();
    fixture.issues!.push(
      {
        number: 3,
        title: 'Checkout rework',
        author: 'alice',
        createdAt: '2026-11-01T00:00:00Z',
        subIssues: [1, 4],
      },
      { number: 4, title: 'Second part', author: 'alice', createdAt: '2026-11-01T00:00:00Z' },
    );
    twin = await startTwin(fixture);
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const merged = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(twin.state.pull(pr.number).merged).toBe(true);
    expect(merged.summary).not.toContain('split from');
    expect(twin.state.issue(3).state).toBe('open');
  });

  it('records a pushed commit’s coverage for later deltas, and the next gate compares against it', async () => {
    twin = await startTwin(gateFixture());
    const main = (await api().request('GET', '/repos/acme/shop/git/ref/heads/main')).body.object
      .sha;
    const recorded = await gate(
      { mode: 'record', 'coverage-files': 'coverage/lcov.info' },
      lcovWorkspace({ 1: 1, 2: 1, 3: 0 }),
      {
        GITHUB_SHA: main,
      },
    );
    expect(recorded.outputs['coverage']).toBe('66.67');
    const status = (await api().request('GET', `/repos/acme/shop/commits/${main}/status`)).body;
    expect(status.statuses).toEqual([
      expect.objectContaining({
        context: 'ai-scrum/coverage',
        description: '66.67% of lines (2/3)',
      }),
    ]);
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const judged = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(judged.summary).toContain('+33.33 points against 66.7% (ai-scrum/coverage of main)');
  });

  it('refuses a bad coverage report with its file and line, and an empty one with a reason', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await passCheck(twin, pr.head);
    const corrupt = lcovWorkspace(FULL);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `${corrupt}/coverage/lcov.info`,
      'TN:\nSF:src/cart.js\nDA:one,1\nend_of_record\n',
    );
    await expect(
      gate({ 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' }, corrupt),
    ).rejects.toThrow(/lcov\.info:3: DA needs <line>,<hits>/);
    const empty = lcovWorkspace({});
    const run = await gate(
      { 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' },
      empty,
    );
    expect(run.outputs['verdict']).toBe('block');
    expect(run.outputs['reasons']).toContain('no executable lines');
  });

  it('does not let a commit without the claim trailers, or a body closing another issue, ride on a claim', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    // Someone with write access pushes a plain commit onto the toolkit's branch.
    const pushed = await client(twin, 'ghp_bob').graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'ai-feature/issue-1' },
          expectedHeadOid: pr.head,
          message: { headline: 'Small fix' },
          fileChanges: {
            additions: [{ path: 'extra.js', contents: Buffer.from('x').toString('base64') }],
          },
        },
      },
    );
    await passCheck(twin, pushed.body.data.createCommitOnBranch.commit.oid);
    const unclaimed = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(unclaimed.outputs['verdict']).toBe('block');
    expect(unclaimed.outputs['reasons']).toContain('carries no claim trailers');

    await twin.stop();
    twin = await startTwin(gateFixture());
    const other = await workerPull(twin);
    await passCheck(twin, other.head);
    await api().request('PATCH', `/repos/acme/shop/pulls/${other.number}`, {
      body: 'Refs #1, see there.',
    });
    const unlinked = await gate({
      'pull-request': String(other.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(unlinked.outputs['verdict']).toBe('block');
    expect(unlinked.outputs['reasons']).toContain(
      'the branch is for #1, but the body closes no issue',
    );
  });

  it('turns auto-merge off when a later verdict is not merge', async () => {
    twin = await startTwin(
      gateFixture({
        protection: { requiredChecks: ['test'] },
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
    await client(twin, 'ghs_worker').request(
      'POST',
      '/repos/acme/shop/actions/workflows/ci.yml/dispatches',
      {
        ref: 'ai-feature/issue-1',
      },
    );
    const first = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(first.summary).toContain('enabled auto-merge');
    // A lint check fails before CI finishes: the gate must take back GitHub's permission to merge.
    await passCheck(twin, pr.head, 'lint');
    await client(twin, 'ghs_worker').request('POST', '/repos/acme/shop/check-runs', {
      name: 'lint',
      head_sha: pr.head,
      conclusion: 'failure',
    });
    const second = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(second.outputs['verdict']).toBe('block');
    expect(second.summary).toContain('turned auto-merge off');
    await twin.state.tick();
    expect((await api().request('GET', `/repos/acme/shop/pulls/${pr.number}`)).body.merged).toBe(
      false,
    );
  });

  it('records nothing for a merged pull request that is not the toolkit’s work', async () => {
    twin = await startTwin(gateFixture({ protection: { requiredChecks: [] } }));
    const main = (await api().request('GET', '/repos/acme/shop/git/ref/heads/main')).body.object
      .sha;
    await api().request('POST', '/repos/acme/shop/git/refs', {
      ref: 'refs/heads/develop',
      sha: main,
    });
    await api().graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'develop' },
          expectedHeadOid: main,
          message: { headline: 'Human work' },
          fileChanges: {
            additions: [{ path: 'h.txt', contents: Buffer.from('h').toString('base64') }],
          },
        },
      },
    );
    const human = await api().request('POST', '/repos/acme/shop/pulls', {
      title: 'Human',
      head: 'acme:develop',
      base: 'main',
      body: 'Closes #1',
    });
    await api().request('PUT', `/repos/acme/shop/pulls/${human.body.number}/merge`, {});
    const run = await gate({
      'pull-request': String(human.body.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(run.outputs['verdict']).toBe('block');
    expect(run.outputs['reasons']).toContain('nothing recorded');
    expect((await api().request('GET', '/repos/acme/shop/git/ref/heads/develop')).status).toBe(200);
    const issue = (await api().request('GET', '/repos/acme/shop/issues/1')).body;
    expect(issue.labels.map((l: { name: string }) => l.name)).not.toContain('ai-completed');
  });

  it('leaves the branch to GitHub when the repository deletes head branches on merge: one request fewer', async () => {
    const DELETE_REF = 'DELETE /repos/{owner}/{repo}/git/refs/{ref}';
    const mergedOnce = async (deleteBranchOnMerge: boolean) => {
      twin = await startTwin(gateFixture({ deleteBranchOnMerge }));
      const pr = await workerPull(twin);
      await passCheck(twin, pr.head);
      twin.resetStats();
      const run = await gate({
        'pull-request': String(pr.number),
        'coverage-files': 'coverage/lcov.info',
      });
      expect(run.outputs['verdict']).toBe('merge');
      expect(twin.state.pull(pr.number).merged).toBe(true);
      const stats = twin.stats();
      const branch = await api().request(
        'GET',
        '/repos/acme/shop/git/ref/heads/ai-feature/issue-1',
      );
      await twin.stop();
      twin = undefined;
      return { run, stats, branchStatus: branch.status };
    };
    const off = await mergedOnce(false);
    expect(off.stats.byRoute[DELETE_REF]).toBe(1);
    expect(off.branchStatus).toBe(404);
    expect(off.run.summary).toContain('deleted the branch');

    const on = await mergedOnce(true);
    expect(on.stats.byRoute[DELETE_REF]).toBeUndefined();
    expect(on.branchStatus).toBe(404);
    expect(on.run.summary).toContain(
      'left deleting the branch to GitHub (the repository deletes head branches on merge)',
    );
    expect(on.stats.requests).toBe(off.stats.requests - 1);
  });

  it('sends no DELETE either when it finds a pull request auto-merge merged, with the setting on', async () => {
    twin = await startTwin(
      gateFixture({ deleteBranchOnMerge: true, protection: { requiredChecks: ['test'] } }),
    );
    const pr = await workerPull(twin);
    // The required check is still running when the gate judges: it enables auto-merge.
    await client(twin, 'ghs_worker').request('POST', '/repos/acme/shop/check-runs', {
      name: 'test',
      head_sha: pr.head,
      status: 'in_progress',
    });
    const inputs = { 'pull-request': String(pr.number), 'coverage-files': 'coverage/lcov.info' };
    const first = await gate(inputs);
    expect(first.summary).toContain('enabled auto-merge');
    await passCheck(twin, pr.head);
    await twin.state.tick();
    expect(twin.state.pull(pr.number).merged).toBe(true);
    expect(
      (await api().request('GET', '/repos/acme/shop/git/ref/heads/ai-feature/issue-1')).status,
    ).toBe(404);
    twin.resetStats();
    const after = await gate(inputs);
    expect(after.outputs['verdict']).toBe('merge');
    expect(after.summary).toContain('left deleting the branch to GitHub');
    expect(twin.stats().byRoute['DELETE /repos/{owner}/{repo}/git/refs/{ref}']).toBeUndefined();
    expect((await api().request('GET', '/repos/acme/shop/issues/1')).body.state).toBe('closed');
  });

  it('sees a protected file moved away as a change to the protected path', async () => {
    twin = await startTwin(gateFixture());
    const pr = await workerPull(twin);
    await client(twin, 'ghs_worker').graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'ai-feature/issue-1' },
          expectedHeadOid: pr.head,
          message: { headline: 'Tidy', body: 'AI-Scrum-Claim: r100-1-e1\nAI-Scrum-Epoch: 1' },
          fileChanges: {
            additions: [
              { path: 'ci.yml.bak', contents: Buffer.from('on: push\n').toString('base64') },
            ],
            deletions: [{ path: '.github/workflows/ci.yml' }],
          },
        },
      },
    );
    const head = (await api().request('GET', `/repos/acme/shop/pulls/${pr.number}`)).body.head.sha;
    await passCheck(twin, head);
    const run = await gate({
      'pull-request': String(pr.number),
      'coverage-files': 'coverage/lcov.info',
    });
    expect(run.outputs['verdict']).toBe('block');
    expect(run.outputs['reasons']).toContain('changes .github/workflows/ci.yml');
  });
});
