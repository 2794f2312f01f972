import { afterEach, describe, expect, it } from '@jest/globals';
import { startTwin, type Twin } from '../../src/twin/index.js';
import type { FixtureInput } from '../../src/twin/fixture.js';
import { client, shopFixture } from '../support/twin.js';

/**
 * The repository setting "Automatically delete head branches" (REST `delete_branch_on_merge`,
 * GraphQL `Repository.deleteBranchOnMerge`). Sources: docs.github.com "Managing the automatic
 * deletion of branches" (head branches are deleted after pull requests are merged; anyone with
 * admin permissions may turn it on or off; protection can prevent a deletion), "Update a
 * repository" (`PATCH /repos/{owner}/{repo}`, Administration permission for apps) and the
 * 2020-05-19 changelog "Pull request retargeting" (open pull requests based on a head branch that
 * a merge deletes are retargeted to the merged pull request's base).
 */

const repo = '/repos/acme/shop';
let twin: Twin | undefined;

afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

/** The shop with the setting as given, an App for check runs, and ticks for time. */
async function start(
  options: { deleteBranchOnMerge?: boolean; protection?: Record<string, unknown> } = {},
) {
  const fixture = shopFixture() as FixtureInput & Record<string, any>;
  const repository = { ...fixture.repository };
  delete repository.protection;
  fixture.repository = {
    ...repository,
    ...(options.deleteBranchOnMerge === undefined
      ? {}
      : { deleteBranchOnMerge: options.deleteBranchOnMerge }),
    ...(options.protection ? { protection: options.protection as any } : {}),
  };
  fixture.users = [...(fixture.users ?? []), { login: 'eve', permission: 'read' }];
  fixture.tokens = {
    ...fixture.tokens,
    ghs_scoped: { login: 'github-actions[bot]', permissions: { contents: 'write' } } as never,
  };
  fixture.pullRequests = [
    {
      number: 10,
      title: 'Fix the readme',
      author: 'eve',
      createdAt: '2026-11-05T00:00:00Z',
      head: 'patch-1',
      headRepository: { owner: 'eve' },
      files: { 'README.md': '# Shop\n' },
    },
  ];
  fixture.timing = { mergeableUnknownReads: 0, asyncDelayMs: null };
  twin = await startTwin(fixture);
  return twin;
}

const api = (token = 'ghs_bot') => client(twin!, token);

async function head(branch: string): Promise<string | undefined> {
  const answer = await api().request('GET', `${repo}/git/ref/heads/${branch}`);
  return answer.status === 200 ? answer.body.object.sha : undefined;
}

/** A branch off `from` with one more file, committed through GraphQL. */
async function branch(name: string, path: string, from = 'main') {
  const base = (await head(from))!;
  await api().request('POST', `${repo}/git/refs`, { ref: `refs/heads/${name}`, sha: base });
  const answer = await api().graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: name },
        expectedHeadOid: base,
        message: { headline: `Add ${path}` },
        fileChanges: {
          additions: [{ path, contents: Buffer.from(`${path}\n`).toString('base64') }],
        },
      },
    },
  );
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data.createCommitOnBranch.commit.oid as string;
}

async function pull(headBranch: string, base = 'main') {
  const answer = await api().request('POST', `${repo}/pulls`, {
    title: headBranch,
    head: `acme:${headBranch}`,
    base,
  });
  expect(answer.status).toBe(201);
  return answer.body as { number: number; node_id: string; head: { sha: string } };
}

const merge = (number: number) =>
  api().request('PUT', `${repo}/pulls/${number}/merge`, { merge_method: 'squash' });
const pullView = async (number: number) =>
  (await api().request('GET', `${repo}/pulls/${number}`)).body;
const SETTING = '{ repository(owner: "acme", name: "shop") { deleteBranchOnMerge } }';
const graphqlSetting = async () =>
  (await api().graphql(SETTING)).body.data.repository.deleteBranchOnMerge as boolean;

describe('the setting', () => {
  it('is off unless the fixture turns it on, in REST and GraphQL alike', async () => {
    await start();
    expect((await api().request('GET', repo)).body.delete_branch_on_merge).toBe(false);
    expect(await graphqlSetting()).toBe(false);
    await twin!.stop();
    await start({ deleteBranchOnMerge: true });
    expect((await api().request('GET', repo)).body.delete_branch_on_merge).toBe(true);
    expect(await graphqlSetting()).toBe(true);
    // A pull request's repositories are the same repository, with the same settings.
    await branch('feature', 'f.txt');
    const pr = await pull('feature');
    expect((await pullView(pr.number)).base.repo.delete_branch_on_merge).toBe(true);
  });

  it('is changed with PATCH /repos/{owner}/{repo} by an administrator only', async () => {
    await start();
    const changed = await api('ghp_alice').request('PATCH', repo, {
      delete_branch_on_merge: true,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.delete_branch_on_merge).toBe(true);
    expect(await graphqlSetting()).toBe(true);
    expect((await twin!.state.snapshot()).repository).toMatchObject({ deleteBranchOnMerge: true });
    // Write access is not enough (the Actions app has write), nor a token without Administration.
    for (const token of ['ghs_bot', 'ghs_scoped', 'ghp_mallory']) {
      const refused = await api(token).request('PATCH', repo, { delete_branch_on_merge: false });
      expect([token, refused.status, refused.body.message]).toEqual([
        token,
        403,
        'Resource not accessible by integration',
      ]);
    }
    const wrongType = await api('ghp_alice').request('PATCH', repo, {
      delete_branch_on_merge: 'yes',
    });
    expect(wrongType.status).toBe(422);
    const unmodelled = await api('ghp_alice').request('PATCH', repo, { description: 'x' });
    expect(unmodelled.status).toBe(422);
    expect(unmodelled.body.message).toContain("'description'");
    expect((await api().request('GET', repo)).body.delete_branch_on_merge).toBe(true);
  });
});

describe('merging with the setting', () => {
  it('on: the REST merge deletes the head branch; the pull request keeps its head commit', async () => {
    await start({ deleteBranchOnMerge: true });
    const sha = await branch('feature', 'f.txt');
    const pr = await pull('feature');
    expect((await merge(pr.number)).status).toBe(200);
    expect(await head('feature')).toBeUndefined();
    const merged = await pullView(pr.number);
    expect(merged).toMatchObject({ merged: true, state: 'closed', head: { sha, ref: 'feature' } });
    // Deleting it again is GitHub's 422 for a missing reference.
    expect((await api().request('DELETE', `${repo}/git/refs/heads/feature`)).status).toBe(422);
  });

  it('off: the branch stays after the merge until someone deletes it', async () => {
    await start();
    const sha = await branch('feature', 'f.txt');
    const pr = await pull('feature');
    expect((await merge(pr.number)).status).toBe(200);
    expect(await head('feature')).toBe(sha);
    expect((await api().request('DELETE', `${repo}/git/refs/heads/feature`)).status).toBe(204);
  });

  it('on: mergePullRequest (GraphQL) deletes it too', async () => {
    await start({ deleteBranchOnMerge: true });
    await branch('feature', 'f.txt');
    const pr = await pull('feature');
    const answer = await api().graphql(
      `mutation($id: ID!) { mergePullRequest(input: { pullRequestId: $id, mergeMethod: MERGE }) { pullRequest { merged } } }`,
      { id: pr.node_id },
    );
    expect(answer.body.data.mergePullRequest.pullRequest.merged).toBe(true);
    expect(await head('feature')).toBeUndefined();
  });

  it('on: auto-merge deletes the head once it merges', async () => {
    await start({ deleteBranchOnMerge: true, protection: { requiredChecks: ['test'] } });
    const sha = await branch('feature', 'f.txt');
    const pr = await pull('feature');
    const enabled = await api().graphql(
      `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { clientMutationId } }`,
      { id: pr.node_id },
    );
    expect(enabled.body.errors).toBeUndefined();
    await api().request('POST', `${repo}/check-runs`, {
      name: 'test',
      head_sha: sha,
      conclusion: 'success',
    });
    await twin!.state.tick();
    expect((await pullView(pr.number)).merged).toBe(true);
    expect(await head('feature')).toBeUndefined();
  });

  it('on: the merge queue deletes the head when it merges the entry, and its own branch', async () => {
    await start({
      deleteBranchOnMerge: true,
      protection: { requiredChecks: ['test'], mergeQueue: true },
    });
    const sha = await branch('feature', 'f.txt');
    const pr = await pull('feature');
    const check = (headSha: string) =>
      api().request('POST', `${repo}/check-runs`, {
        name: 'test',
        head_sha: headSha,
        conclusion: 'success',
      });
    await check(sha);
    const enqueued = await api().graphql(
      `mutation($id: ID!) { enqueuePullRequest(input: { pullRequestId: $id }) { mergeQueueEntry { state } } }`,
      { id: pr.node_id },
    );
    expect(enqueued.body.errors).toBeUndefined();
    await twin!.state.tick();
    const group = twin!.state.mergeQueue[0]!.group!;
    expect(await head('feature')).toBe(sha);
    await check(group.sha);
    await twin!.state.tick();
    expect((await pullView(pr.number)).merged).toBe(true);
    expect(await head('feature')).toBeUndefined();
    expect(await head('main')).toBe(group.sha);
    expect(
      (await api().request('GET', `${repo}/git/matching-refs/heads/gh-readonly-queue`)).body,
    ).toEqual([]);
  });

  it('on: a fork’s head is not this repository’s to delete', async () => {
    await start({ deleteBranchOnMerge: true });
    const before = (await twin!.state.snapshot()).refs as Record<string, string>;
    expect((await merge(10)).status).toBe(200);
    const after = (await twin!.state.snapshot()).refs as Record<string, string>;
    expect(after['refs/pull/10/head']).toBe(before['refs/pull/10/head']);
    expect((await pullView(10)).merged).toBe(true);
  });

  it('on: a pull request based on the deleted head is retargeted to the merged one’s base, not closed', async () => {
    await start({ deleteBranchOnMerge: true });
    await branch('first', 'a.txt');
    await branch('second', 'b.txt', 'first');
    const bottom = await pull('first');
    const stacked = await pull('second', 'first');
    expect((await merge(bottom.number)).status).toBe(200);
    expect(await head('first')).toBeUndefined();
    expect(await pullView(stacked.number)).toMatchObject({
      state: 'open',
      base: { ref: 'main' },
    });
    expect((await merge(stacked.number)).status).toBe(200);
    expect(await head('second')).toBeUndefined();
  });

  it('on: a head that another open pull request also uses stays [unverified]', async () => {
    await start({ deleteBranchOnMerge: true });
    await api().request('POST', `${repo}/git/refs`, {
      ref: 'refs/heads/release',
      sha: (await head('main'))!,
    });
    const sha = await branch('feature', 'f.txt');
    const toMain = await pull('feature');
    const toRelease = await pull('feature', 'release');
    expect((await merge(toMain.number)).status).toBe(200);
    expect(await head('feature')).toBe(sha);
    expect((await pullView(toRelease.number)).state).toBe('open');
  });
});
