import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTwin, type Twin } from '../../src/twin/index.js';
import type { FixtureInput } from '../../src/twin/fixture.js';
import { client, cloneUrl, git, shopFixture } from '../support/twin.js';

/**
 * Fidelity of the pull-request lifecycle: CI, GitHub's asynchrony, merge rules and who may
 * report checks. Each test names the GitHub source of the behaviour it pins.
 */

const repo = '/repos/acme/shop';
let twin: Twin | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await twin?.stop();
  twin = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Workflows = NonNullable<FixtureInput['workflows']>;

/** The shop with an App (its own token) and, unless replaced, a CI workflow on every event. */
async function start(
  changes: {
    workflows?: Workflows;
    protection?: Record<string, unknown>;
    timing?: FixtureInput['timing'];
  } = {},
): Promise<Twin> {
  const fixture = shopFixture() as FixtureInput & Record<string, any>;
  fixture.users = [
    ...(fixture.users ?? []),
    { login: 'ci-app[bot]', permission: 'write', appId: 4242 },
    { login: 'other-app[bot]', permission: 'write', appId: 777 },
  ];
  fixture.tokens = { ...fixture.tokens, ghs_app: 'ci-app[bot]', ghs_other: 'other-app[bot]' };
  fixture.workflows = changes.workflows ?? [
    {
      name: 'CI',
      file: 'ci.yml',
      on: ['push', 'pull_request', 'workflow_dispatch', 'merge_group'],
      checks: ['test'],
      // Fails when the commit carries broken.txt; leaves a coverage report either way.
      run: 'mkdir -p coverage && echo "SF:src/cart.ts" > coverage/lcov.info && test ! -f broken.txt',
      artifacts: [{ name: 'coverage', paths: ['coverage/lcov.info'] }],
    },
  ];
  if (changes.protection)
    fixture.repository = { ...fixture.repository, protection: changes.protection as any };
  fixture.timing = changes.timing ?? { asyncDelayMs: null };
  twin = await startTwin(fixture);
  return twin;
}

const api = (token = 'ghs_bot') => client(twin!, token);

async function head(branch: string): Promise<string | undefined> {
  const answer = await api().request('GET', `${repo}/git/ref/heads/${branch}`);
  return answer.status === 200 ? answer.body.object.sha : undefined;
}

/** A branch off main with one file, committed through the API as `token`. */
async function branch(name: string, path: string, text: string, token = 'ghs_bot') {
  const base = (await head('main'))!;
  await api(token).request('POST', `${repo}/git/refs`, { ref: `refs/heads/${name}`, sha: base });
  const answer = await api(token).graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: name },
        expectedHeadOid: base,
        message: { headline: `Change ${path}` },
        fileChanges: { additions: [{ path, contents: Buffer.from(text).toString('base64') }] },
      },
    },
  );
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data.createCommitOnBranch.commit.oid as string;
}

async function pull(name: string, path: string, text: string, token = 'ghs_bot', extra = {}) {
  await branch(name, path, text, token);
  const answer = await api(token).request('POST', `${repo}/pulls`, {
    title: name,
    head: `acme:${name}`,
    base: 'main',
    body: 'Closes #1',
    ...extra,
  });
  expect(answer.status).toBe(201);
  return answer.body as { number: number; node_id: string; head: { sha: string } };
}

async function checks(sha: string) {
  const answer = await api().request('GET', `${repo}/commits/${sha}/check-runs`);
  return answer.body.check_runs as {
    name: string;
    status: string;
    conclusion: string | null;
    app: { id: number; slug: string };
  }[];
}

async function pullView(number: number) {
  return (await api().request('GET', `${repo}/pulls/${number}`)).body;
}

/** Reads a pull request until GitHub has computed its mergeability, as a poller must. */
async function settledView(number: number) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const view = await pullView(number);
    if (view.mergeable !== null) return view;
  }
  throw new Error(`mergeability of #${number} never settled`);
}

describe('CI model', () => {
  // docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication
  // "events triggered by the GITHUB_TOKEN, with the exception of workflow_dispatch and
  // repository_dispatch, will not create a new workflow run."
  it('starts nothing for a GITHUB_TOKEN push or pull request, but does for workflow_dispatch', async () => {
    await start();
    const pr = await pull('bot-feature', 'src/tax.ts', 'export const tax = 1;\n');
    await twin!.state.tick();
    expect(await checks(pr.head.sha)).toEqual([]);
    expect(twin!.state.ci.suppressed.map((event) => event.event).sort()).toEqual([
      'pull_request',
      'push',
      'push',
    ]);
    const dispatched = await api().request('POST', `${repo}/actions/workflows/ci.yml/dispatches`, {
      ref: 'bot-feature',
    });
    expect(dispatched.status).toBe(204);
    await twin!.state.tick();
    expect(await checks(pr.head.sha)).toEqual([
      expect.objectContaining({
        name: 'test',
        status: 'completed',
        conclusion: 'success',
        app: expect.objectContaining({ id: 15368, slug: 'github-actions' }),
      }),
    ]);
    const runs = (await api().request('GET', `${repo}/actions/runs`)).body.workflow_runs.filter(
      (run: { event: string }) => run.event !== 'schedule',
    );
    expect(runs).toEqual([
      expect.objectContaining({
        event: 'workflow_dispatch',
        head_sha: pr.head.sha,
        path: '.github/workflows/ci.yml',
        conclusion: 'success',
      }),
    ]);
    const artifacts = await api().request('GET', `${repo}/actions/runs/${runs[0].id}/artifacts`);
    expect(artifacts.body.artifacts).toEqual([
      expect.objectContaining({
        name: 'coverage',
        workflow_run: expect.objectContaining({ head_sha: pr.head.sha }),
      }),
    ]);
    expect(twin!.state.ci.artifacts[0]!.files).toEqual({
      'coverage/lcov.info': 'SF:src/cart.ts\n',
    });
  });

  it('runs the command for an App’s pull request or a person’s push, and reports what it measured', async () => {
    await start();
    const good = await pull('good', 'src/tax.ts', 'export const tax = 1;\n', 'ghs_app');
    const bad = await pull('bad', 'broken.txt', 'oops\n', 'ghs_app');
    // A person's push starts runs too.
    const pushed = await branch('person', 'p.txt', 'p\n', 'ghp_alice');
    await twin!.state.tick();
    expect(
      twin!.state.ci.runs.filter((run) => run.headSha === pushed).map((r) => [r.event, r.actor]),
    ).toEqual([['push', 'alice']]);
    expect((await checks(good.head.sha)).map((run) => run.conclusion)).toEqual(['success']);
    expect((await checks(bad.head.sha)).map((run) => run.conclusion)).toEqual(['failure']);
    // The pull_request run tested GitHub's merge commit, kept at refs/pull/N/merge.
    const run = twin!.state.ci.runs.find(
      (r) => r.event === 'pull_request' && r.headSha === good.head.sha,
    )!;
    expect(run.checkoutSha).not.toBe(good.head.sha);
    expect(
      (await api().request('GET', `${repo}/git/matching-refs/pull/${good.number}/merge`)).body,
    ).toEqual([
      expect.objectContaining({ object: expect.objectContaining({ sha: run.checkoutSha }) }),
    ]);
  });

  it('holds a run’s checks pending until the twin is ticked', async () => {
    await start({
      workflows: [
        { name: 'Slow', on: ['pull_request'], checks: ['slow'], run: 'true', hold: true },
      ],
      protection: { requiredChecks: ['test'] },
    });
    const pr = await pull('held', 'a.txt', 'a\n', 'ghs_app');
    expect((await checks(pr.head.sha)).map((run) => run.status)).toEqual(['queued']);
    await api().request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    // docs.github.com/en/rest/pulls: mergeable_state `unstable` — a non-required check is pending.
    expect((await settledView(pr.number)).mergeable_state).toBe('unstable');
    await twin!.state.tick();
    expect((await checks(pr.head.sha)).find((run) => run.name === 'slow')?.conclusion).toBe(
      'success',
    );
    expect((await settledView(pr.number)).mergeable_state).toBe('clean');
  });
});

describe('asynchrony', () => {
  // github-facts.md: "`mergeable` is `null` while GitHub computes it in the background"; the REST
  // description of "Get a pull request": "The value of the mergeable attribute can be true, false,
  // or null. If the value is null, then GitHub has started a background job to compute it."
  it('answers mergeable null for the configured number of reads after a change', async () => {
    await start({ timing: { mergeableUnknownReads: 2, asyncDelayMs: null } });
    // The answer to the creation is the first read.
    const pr = (await pull('feature', 'a.txt', 'a\n')) as { number: number; mergeable?: boolean };
    expect([pr.mergeable, (await pullView(pr.number)).mergeable]).toEqual([null, null]);
    expect((await pullView(pr.number)).mergeable).toBe(true);
    // A push to the base makes it unknown again; one GraphQL request sees one answer.
    await branch('other', 'b.txt', 'b\n', 'ghp_alice');
    await api('ghp_alice').request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: await head('other'),
    });
    const QUERY = `query { repository(owner: "acme", name: "shop") { pullRequest(number: ${pr.number}) { mergeable mergeStateStatus } } }`;
    expect((await api().graphql(QUERY)).body.data.repository.pullRequest).toEqual({
      mergeable: 'UNKNOWN',
      mergeStateStatus: 'UNKNOWN',
    });
    await api().graphql(QUERY);
    expect((await api().graphql(QUERY)).body.data.repository.pullRequest.mergeable).toBe(
      'MERGEABLE',
    );
  });

  // REST "Update a pull request branch" answers 202 Accepted: the update happens later.
  it('updates a branch and auto-merges after a delay, which a poller sees happen', async () => {
    await start({ timing: { mergeableUnknownReads: 0, asyncDelayMs: 1000 } });
    const pr = await pull('feature', 'a.txt', 'a\n');
    await branch('other', 'b.txt', 'b\n', 'ghp_alice');
    await api('ghp_alice').request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: await head('other'),
    });
    const before = await head('feature');
    expect(
      (await api().request('PUT', `${repo}/pulls/${pr.number}/update-branch`, {})).status,
    ).toBe(202);
    expect(await head('feature')).toBe(before);
    let polls = 0;
    while ((await head('feature')) === before && polls++ < 500)
      await new Promise((r) => setTimeout(r, 10));
    expect(await head('feature')).not.toBe(before);
    expect(polls).toBeGreaterThan(0);

    const ENABLE = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: MERGE }) { clientMutationId } }`;
    expect((await api().graphql(ENABLE, { id: pr.node_id })).body.errors).toBeUndefined();
    const updated = (await pullView(pr.number)).head.sha;
    await api().request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: updated,
      conclusion: 'success',
    });
    expect((await pullView(pr.number)).merged).toBe(false);
    polls = 0;
    while (!(await pullView(pr.number)).merged && polls++ < 500)
      await new Promise((r) => setTimeout(r, 10));
    expect((await pullView(pr.number)).merged).toBe(true);
  });

  it('takes auto-merge effect only on an explicit tick when no delay is set', async () => {
    await start();
    const pr = await pull('feature', 'a.txt', 'a\n');
    const ENABLE = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }`;
    await api().graphql(ENABLE, { id: pr.node_id });
    await api().request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await pullView(pr.number)).merged).toBe(false);
    await twin!.state.tick();
    expect((await pullView(pr.number)).merged).toBe(true);
  });
});

describe('merge rules', () => {
  // github-facts.md: "Merging a draft: 405 `Pull Request is still a draft`".
  it('refuses to merge a draft until it is marked ready for review', async () => {
    await start({ protection: { requiredChecks: [] } });
    const pr = await pull('draft', 'a.txt', 'a\n', 'ghs_bot', { draft: true });
    const refused = await api().request('PUT', `${repo}/pulls/${pr.number}/merge`, {});
    expect([refused.status, refused.body.message]).toEqual([405, 'Pull Request is still a draft']);
    expect((await settledView(pr.number)).mergeable_state).toBe('draft');
    const READY = `mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`;
    expect(
      (await api().graphql(READY, { id: pr.node_id })).body.data.markPullRequestReadyForReview
        .pullRequest.isDraft,
    ).toBe(false);
    expect((await api().request('PUT', `${repo}/pulls/${pr.number}/merge`, {})).status).toBe(200);
  });

  // github-facts.md: pushes to a protected branch fail with GH006 over git; REST ref updates 422
  // (`Reference update failed`, as quoted in actions/github-script#455).
  it('applies branch protection to pushes and ref updates, force pushes and deletions', async () => {
    await start({ protection: { requiredChecks: ['test'] } });
    const work = mkdtempSync(join(tmpdir(), 'ai-scrum-protect-'));
    dirs.push(work);
    const shop = join(work, 'shop');
    await git(['clone', '-q', cloneUrl(twin!, 'ghs_bot'), 'shop'], work);
    writeFileSync(join(shop, 'direct.txt'), 'direct\n');
    await git(['add', '.'], shop);
    await git(
      ['-c', 'user.name=bot', '-c', 'user.email=bot@example.com', 'commit', '-q', '-m', 'Direct'],
      shop,
    );
    const main = await head('main');
    await expect(git(['push', '-q', 'origin', 'HEAD:main'], shop)).rejects.toThrow(
      /GH006: Protected branch update failed for refs\/heads\/main\.[\s\S]*Required status check "test" is expected/,
    );
    expect(await head('main')).toBe(main);
    const patched = await api().request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: main,
      force: true,
    });
    expect(patched.status).toBe(200); // the same commit: nothing moves
    await git(['push', '-q', 'origin', 'HEAD:refs/heads/side'], shop);
    const moved = await api().request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: await head('side'),
    });
    expect([moved.status, moved.body.message]).toEqual([422, 'Reference update failed']);
    const deleted = await api().request('DELETE', `${repo}/git/refs/heads/main`);
    expect(deleted.status).toBe(422);
    expect(await head('main')).toBe(main);
    // The administrator is not bound unless protection is enforced for admins.
    await git(['remote', 'add', 'alice', cloneUrl(twin!, 'ghp_alice')], shop);
    await git(['push', '-q', 'alice', 'HEAD:main'], shop);
    expect(await head('main')).not.toBe(main);
  });

  it('models allowForcePushes and allowDeletions', async () => {
    await start({ protection: { requiredChecks: [], allowDeletions: false } });
    const base = (await head('main'))!;
    await branch('side', 'a.txt', 'a\n', 'ghp_alice');
    // Without required checks or reviews a fast-forward is allowed; a force push is not.
    expect(
      (await api().request('PATCH', `${repo}/git/refs/heads/main`, { sha: await head('side') }))
        .status,
    ).toBe(200);
    const forced = await api().request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: base,
      force: true,
    });
    expect([forced.status, forced.body.reason]).toEqual([422, 'Cannot force-push to this branch']);
    await twin!.stop();
    await start({
      protection: { requiredChecks: [], allowForcePushes: true, allowDeletions: true },
    });
    const start2 = (await head('main'))!;
    await branch('side', 'a.txt', 'a\n', 'ghp_alice');
    await api().request('PATCH', `${repo}/git/refs/heads/main`, { sha: await head('side') });
    expect(
      (await api().request('PATCH', `${repo}/git/refs/heads/main`, { sha: start2, force: true }))
        .status,
    ).toBe(200);
    expect((await api().request('DELETE', `${repo}/git/refs/heads/main`)).status).toBe(204);
  });

  // github-facts.md: "A required merge queue: 405 `Changes must be made through the merge queue`".
  it('routes merges through a required merge queue: merge on success, eject on failure', async () => {
    await start({
      protection: { requiredChecks: ['test'], mergeQueue: true },
      workflows: [
        {
          name: 'CI',
          on: ['pull_request', 'merge_group'],
          checks: ['test'],
          // The merge group fails only for commits that carry queue-fails.txt.
          run: '[ "$GITHUB_EVENT_NAME" != merge_group ] || test ! -f queue-fails.txt',
        },
      ],
    });
    const good = await pull('good', 'good.txt', 'good\n', 'ghs_app');
    const bad = await pull('bad', 'queue-fails.txt', 'x\n', 'ghs_app');
    await twin!.state.tick();
    const direct = await api().request('PUT', `${repo}/pulls/${good.number}/merge`, {});
    expect([direct.status, direct.body.message]).toEqual([
      405,
      'Changes must be made through the merge queue',
    ]);
    const ENQUEUE = `mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { mergeQueueEntry { state position pullRequest { number } } } }`;
    const entered = await api().graphql(ENQUEUE, { id: good.node_id });
    expect(entered.body.data.enqueuePullRequest.mergeQueueEntry).toEqual({
      state: 'QUEUED',
      position: 1,
      pullRequest: { number: good.number },
    });
    await twin!.state.tick();
    const merged = await pullView(good.number);
    expect(merged.merged).toBe(true);
    expect(await head('main')).toBe(merged.merge_commit_sha);
    expect(twin!.state.ci.runs.filter((run) => run.event === 'merge_group')).toHaveLength(1);

    await api().graphql(ENQUEUE, { id: bad.node_id });
    await twin!.state.tick();
    expect((await pullView(bad.number)).merged).toBe(false);
    expect((await pullView(bad.number)).state).toBe('open');
    const QUERY = `query { repository(owner: "acme", name: "shop") { pullRequest(number: ${bad.number}) { isInMergeQueue mergeQueueEntry { state } } } }`;
    expect((await api().graphql(QUERY)).body.data.repository.pullRequest).toEqual({
      isInMergeQueue: false,
      mergeQueueEntry: null,
    });
    expect(await head('main')).toBe(merged.merge_commit_sha);
    expect(
      (await api().request('GET', `${repo}/git/matching-refs/heads/gh-readonly-queue`)).body,
    ).toEqual([]);
  });

  // github-facts.md: "Deleting an open PR's head branch closes the PR."
  it('closes an open pull request whose head branch is deleted', async () => {
    await start();
    const pr = await pull('doomed', 'a.txt', 'a\n');
    expect((await api().request('DELETE', `${repo}/git/refs/heads/doomed`)).status).toBe(204);
    expect((await pullView(pr.number)).state).toBe('closed');
    expect((await pullView(pr.number)).merged).toBe(false);
  });

  // docs.github.com "Linking a pull request to an issue": keywords close the issue when the pull
  // request merges into the default branch.
  it('closes issues named by Closes #N only for merges into the default branch', async () => {
    await start({ protection: { requiredChecks: [] } });
    await branch('release', 'r.txt', 'r\n');
    await branch('fix', 'f.txt', 'f\n');
    const pr = await api().request('POST', `${repo}/pulls`, {
      title: 'Fix',
      head: 'fix',
      base: 'release',
      body: 'Closes #1',
    });
    expect((await api().request('PUT', `${repo}/pulls/${pr.body.number}/merge`, {})).status).toBe(
      200,
    );
    expect((await api().request('GET', `${repo}/issues/1`)).body.state).toBe('open');
    const main = await pull('to-main', 'm.txt', 'm\n');
    expect((await api().request('PUT', `${repo}/pulls/${main.number}/merge`, {})).status).toBe(200);
    expect((await api().request('GET', `${repo}/issues/1`)).body.state).toBe('closed');
  });
});

describe('who reports checks', () => {
  // github-facts.md: "Check runs are created by GitHub Apps only (`app` on each run); a required
  // check can pin an `app_id`."
  it('accepts check runs only from apps, and a pinned required check only from its app', async () => {
    await start({ protection: { requiredChecks: [{ context: 'test', appId: 4242 }] } });
    const pr = await pull('feature', 'a.txt', 'a\n');
    const byUser = await api('ghp_alice').request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    expect([byUser.status, byUser.body.message]).toEqual([
      403,
      'You must authenticate via a GitHub App.',
    ]);
    await api('ghs_other').request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    expect((await settledView(pr.number)).mergeable_state).toBe('blocked');
    const byApp = await api('ghs_app').request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: pr.head.sha,
      conclusion: 'success',
    });
    expect(byApp.body.app).toMatchObject({ id: 4242, slug: 'ci-app' });
    expect((await settledView(pr.number)).mergeable_state).toBe('clean');
  });
});

describe('branches, stopping and failures', () => {
  // cli/cli#14223: after its base branch was deleted over REST, the pull request's timeline
  // showed `base_ref_deleted` then `closed` (the web's retargeting is not modelled).
  it('closes an open pull request whose base branch is deleted', async () => {
    await start({ workflows: [] });
    await branch('release', 'r.txt', 'r\n');
    await branch('fix', 'f.txt', 'f\n');
    const pr = await api().request('POST', `${repo}/pulls`, {
      title: 'Fix',
      head: 'fix',
      base: 'release',
    });
    const sha = pr.body.head.sha;
    expect((await api().request('DELETE', `${repo}/git/refs/heads/release`)).status).toBe(204);
    expect(await pullView(pr.body.number)).toMatchObject({
      state: 'closed',
      merged: false,
      head: expect.objectContaining({ sha }),
    });
  });

  // docs.github.com GraphQL `CheckRun.isRequired`/`StatusContext.isRequired`: "Whether this is
  // required to pass before merging"; a requirement pinned to an app is met only by that app.
  it('marks a check required in statusCheckRollup only when it comes from the pinned app', async () => {
    await start({
      workflows: [],
      protection: { requiredChecks: [{ context: 'test', appId: 4242 }] },
    });
    const pr = await pull('pinned', 'a.txt', 'a\n');
    const QUERY = `query { repository(owner: "acme", name: "shop") { pullRequest(number: ${pr.number}) { statusCheckRollup { contexts(first: 10) { nodes { ... on CheckRun { isRequired checkSuite { app { databaseId } } } } } } } } }`;
    const rollup = async (token: string) => {
      await api(token).request('POST', `${repo}/check-runs`, {
        name: 'test',
        head_sha: pr.head.sha,
        conclusion: 'success',
      });
      const nodes = (await api().graphql(QUERY)).body.data.repository.pullRequest.statusCheckRollup
        .contexts.nodes;
      return nodes.map((node: any) => [node.checkSuite.app.databaseId, node.isRequired]);
    };
    expect(await rollup('ghs_other')).toEqual([[777, false]]);
    expect(await rollup('ghs_app')).toEqual([[4242, true]]);
  });

  it('kills running CI and concludes its runs cancelled when the twin stops', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'ai-scrum-stop-')), 'ran');
    dirs.push(join(marker, '..'));
    await start({
      timing: { asyncDelayMs: 0 },
      workflows: [{ name: 'CI', on: ['push'], checks: ['test'], run: `sleep 1; touch ${marker}` }],
    });
    await branch('person', 'p.txt', 'p\n', 'ghp_alice');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stopping = twin!;
    twin = undefined;
    await stopping.stop();
    expect(stopping.state.ci.runs.map((run) => [run.status, run.conclusion])).toEqual(
      stopping.state.ci.runs.map(() => ['completed', 'cancelled']),
    );
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a push, with one line, when the pre-receive hook cannot reach the twin (fails closed)', async () => {
    await start({ workflows: [] });
    const work = mkdtempSync(join(tmpdir(), 'ai-scrum-hook-'));
    dirs.push(work);
    await git(['clone', '-q', twin!.state.git.path, 'w'], work);
    const w = join(work, 'w');
    writeFileSync(join(w, 'x.txt'), 'x\n');
    await git(['add', '.'], w);
    await git(['commit', '-q', '-m', 'x'], w);
    const pushed = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        'git',
        ['push', 'origin', 'HEAD:refs/heads/elsewhere'],
        {
          cwd: w,
          env: {
            ...process.env,
            AI_SCRUM_TWIN_HOOK_URL: 'http://127.0.0.1:1/_twin/pre-receive',
            REMOTE_USER: 'alice',
          },
        },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      ),
    );
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toMatch(/remote: error: the twin could not check this push: .+\n/);
    expect(pushed.stderr).not.toMatch(/at .*undici|Error\.captureStackTrace/);
    expect(await head('elsewhere')).toBeUndefined();
  });

  it('records work that failed in the background, in the tick’s answer and in /_twin/state', async () => {
    await start({ workflows: [] });
    const pr = await pull('behind', 'a.txt', 'a\n');
    await branch('other', 'b.txt', 'b\n', 'ghp_alice');
    await api('ghp_alice').request('PATCH', `${repo}/git/refs/heads/main`, {
      sha: await head('other'),
    });
    const repository = twin!.state.git as unknown as Record<string, unknown>;
    repository['commitTree'] = () => Promise.reject(new Error('disk full'));
    expect(
      (await api().request('PUT', `${repo}/pulls/${pr.number}/update-branch`, {})).status,
    ).toBe(202);
    expect((await twin!.state.tick()).failures).toEqual(['disk full']);
    const state = (await (await fetch(`${twin!.urls.api}/_twin/state`)).json()) as any;
    expect(state.backgroundFailures).toEqual([{ at: expect.any(String), message: 'disk full' }]);
  });

  it('triggers one push run per branch when branches move concurrently', async () => {
    await start({ workflows: [{ name: 'CI', on: ['push'], checks: ['test'], run: 'true' }] });
    const base = (await head('main'))!;
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    await Promise.all(
      names.map((name) =>
        api('ghp_alice').request('POST', `${repo}/git/refs`, {
          ref: `refs/heads/${name}`,
          sha: base,
        }),
      ),
    );
    expect(twin!.state.ci.runs.map((run) => run.headBranch).sort()).toEqual(names);
  });
});

describe('issue updates from people without push access', () => {
  // OpenAPI description of "Update an issue": "Only users with push access can set labels for
  // issues. Without push access to the repository, label changes are silently dropped."
  it('applies the author’s new title, drops the labels silently, answers 200', async () => {
    await start();
    const created = await api('ghp_mallory').request('POST', `${repo}/issues`, {
      title: 'Mallory’s issue',
      labels: ['ai-ready'],
    });
    expect(created.status).toBe(201);
    expect(created.body.labels).toEqual([]);
    const updated = await api('ghp_mallory').request(
      'PATCH',
      `${repo}/issues/${created.body.number}`,
      { title: 'Renamed', labels: ['ai-ready', 'priority:high'] },
    );
    expect([updated.status, updated.body.title, updated.body.labels]).toEqual([200, 'Renamed', []]);
    // Someone else's issue: refused, and nothing changes.
    const refused = await api('ghp_mallory').request('PATCH', `${repo}/issues/1`, {
      title: 'Taken over',
      labels: ['priority:high'],
    });
    expect(refused.status).toBe(403);
    const issue = (await api().request('GET', `${repo}/issues/1`)).body;
    expect(issue.title).not.toBe('Taken over');
    expect(issue.labels.map((l: { name: string }) => l.name)).not.toContain('priority:high');
  });
});

describe('changed files', () => {
  // REST "List pull requests files": a renamed file has status `renamed` and `previous_filename`;
  // GraphQL's PatchStatus has RENAMED. createCommitOnBranch's fileChanges take deletions.
  it('deletes files through createCommitOnBranch and reports a move as a rename', async () => {
    await start({ protection: { requiredChecks: [] } });
    const pr = await pull('move', 'a.txt', 'a\n');
    const moved = await api().graphql(
      `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'move' },
          expectedHeadOid: pr.head.sha,
          message: { headline: 'Move the readme' },
          fileChanges: {
            additions: [
              { path: 'docs/README.md', contents: Buffer.from('# shop\n').toString('base64') },
            ],
            deletions: [{ path: 'README.md' }],
          },
        },
      },
    );
    expect(moved.body.errors).toBeUndefined();
    const files = (await api().request('GET', `${repo}/pulls/${pr.number}/files`)).body;
    expect(files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          filename: 'docs/README.md',
          status: 'renamed',
          previous_filename: 'README.md',
        }),
        expect.objectContaining({ filename: 'a.txt', status: 'added' }),
      ]),
    );
    const tree = (await api().request('GET', `${repo}/git/trees/move?recursive=1`)).body.tree.map(
      (entry: { path: string }) => entry.path,
    );
    expect(tree).not.toContain('README.md');
  });
});
