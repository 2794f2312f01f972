import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubDispatchAdapter } from '../../src/github/dispatch-adapter.js';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { client, shopFixture } from '../support/twin.js';

let twin: Twin;
let adapter: GitHubDispatchAdapter;

beforeAll(async () => {
  const fixture = shopFixture() as any;
  fixture.issues[2].subIssues = [];
  fixture.issues.push({
    number: 5,
    title: 'Renamed',
    author: 'alice',
    createdAt: '2026-11-01T00:00:00Z',
    labels: [{ name: 'ai-ready', by: 'alice', at: '2026-11-02T00:00:00Z' }],
    edits: [
      { by: 'mallory', at: '2026-11-03T00:00:00Z', title: 'Renamed by mallory' },
      { by: 'alice', at: '2026-11-04T00:00:00Z', body: 'new body' },
    ],
  });
  twin = await startTwin(fixture);
  adapter = new GitHubDispatchAdapter(
    createGitHubClient({
      token: 'ghs_bot',
      apiUrl: twin.urls.api,
      graphqlUrl: twin.urls.graphql,
      writeIntervalMs: 0,
    }),
    { owner: 'acme', repo: 'shop' },
  );
});
afterAll(async () => {
  await twin.stop();
});

describe('the GitHub dispatch adapter against the twin', () => {
  it('reads the overview: default branch, label and the collaborators', async () => {
    const overview = await adapter.overview({
      conflict: 'ai-conflict',
      inProgress: 'ai-in-progress',
      failed: 'ai-failed',
    });
    expect(overview.defaultBranch).toBe('main');
    expect(overview.inProgressLabelId).toBeNull();
    expect(overview.collaborators).toEqual(
      new Map([
        ['alice', 'admin'],
        ['mallory', 'read'],
        ['acme', 'admin'],
      ]),
    );
  });

  it('reads the backlog with dependency and sub-issue summaries', async () => {
    const backlog = await adapter.backlog('ai-ready');
    expect(backlog.map((i) => [i.number, i.openNativeBlockers, i.openSubIssues])).toEqual([
      [1, 1, 1],
      [5, 0, 0],
    ]);
  });

  it('reads who labelled and edited, parents, and referenced issues in one request', async () => {
    twin.resetStats();
    const { details, referenced } = await adapter.details([1, 3, 5], [2, 99], 'ai-ready');
    expect(twin.stats().requests).toBe(1);
    expect(details.get(1)?.readyLabel).toEqual({
      actor: { login: 'alice', bot: false },
      at: '2026-11-02T00:00:00Z',
    });
    expect(details.get(3)?.parent).toEqual({ number: 1, subIssues: [{ number: 3, open: true }] });
    expect(details.get(5)?.edits).toEqual([
      // The body's whole history (GitHub lists the original text too), then title renames.
      { actor: { login: 'alice', bot: false }, at: '2026-11-04T00:00:00Z', what: 'body' },
      { actor: { login: 'alice', bot: false }, at: '2026-11-01T00:00:00Z', what: 'body' },
      { actor: { login: 'mallory', bot: false }, at: '2026-11-03T00:00:00Z', what: 'title' },
    ]);
    expect(referenced).toEqual(new Map([[2, true]]));
  });

  it('looks up permissions of several logins in one request', async () => {
    twin.resetStats();
    const found = await adapter.permissions([
      { login: 'alice', bot: false },
      { login: 'mallory', bot: false },
      { login: 'stranger', bot: false },
      { login: 'renovate', bot: true },
    ]);
    expect(found).toEqual(
      new Map([
        ['renovate:bot', 'none'],
        ['alice:user', 'admin'],
        ['mallory:user', 'read'],
        ['stranger:user', 'read'],
      ]),
    );
    expect(twin.stats().requests).toBe(1);
  });

  it('lists runs finished since a day', async () => {
    expect(await adapter.finishedRuns('2026-11-01')).toEqual(new Set([1]));
    expect(await adapter.finishedRuns('2026-11-05')).toEqual(new Set());
  });
});

it('still reads the overview when the token may not list collaborators', async () => {
  const readOnly = new GitHubDispatchAdapter(
    createGitHubClient({
      token: 'ghp_mallory',
      apiUrl: twin.urls.api,
      graphqlUrl: twin.urls.graphql,
      writeIntervalMs: 0,
    }),
    { owner: 'acme', repo: 'shop' },
  );
  const overview = await readOnly.overview({
    conflict: 'ai-conflict',
    inProgress: 'ai-in-progress',
    failed: 'ai-failed',
  });
  expect(overview.collaborators).toBeNull();
  expect(overview.defaultBranch).toBe('main');
});

it('creates a label once when GitHub applies it but loses the answer, and reads its id back', async () => {
  const fixture = shopFixture();
  fixture.faults = {
    seed: 1,
    rules: [
      {
        route: 'POST /repos/{owner}/{repo}/labels',
        probability: 1,
        kind: 'applied-status',
        status: 502,
      },
    ],
  };
  const lossy = await startTwin(fixture);
  try {
    const writer = new GitHubDispatchAdapter(
      createGitHubClient({
        token: 'ghs_bot',
        apiUrl: lossy.urls.api,
        graphqlUrl: lossy.urls.graphql,
        writeIntervalMs: 0,
      }),
      { owner: 'acme', repo: 'shop' },
    );
    const id = await writer.createLabel('ai-in-progress', 'fbca04', 'held');
    expect(id).toMatch(/\S/);
    expect(lossy.stats().byRoute['POST /repos/{owner}/{repo}/labels']).toBe(1);
    const labels = (await client(lossy).request('GET', '/repos/acme/shop/labels')).body;
    expect(labels.filter((l: { name: string }) => l.name === 'ai-in-progress')).toHaveLength(1);
  } finally {
    await lossy.stop();
  }
});
