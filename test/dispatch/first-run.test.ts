import { afterEach, describe, expect, it } from '@jest/globals';
import type { FixtureInput } from '../../src/twin/index.js';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { runBundle } from '../support/bundle.js';
import { dispatchToken, withoutLinks } from '../support/dispatch.js';

/** What a new adopter meets: the committed bundle on a repository with no history at all. */

let twin: Twin | undefined;
afterEach(async () => {
  await twin?.stop();
  twin = undefined;
});

const at = '2026-11-20T00:00:00Z';

function fresh(extra: Partial<FixtureInput> = {}): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: { 'README.md': '# shop\n', 'src/a.ts': 'a\n' },
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'mallory', permission: 'read' },
    ],
    tokens: { ghs_bot: dispatchToken() },
    labels: [],
    issues: [],
    ...extra,
  };
}

async function firstRun(t: Twin) {
  const result = await runBundle(
    'dispatch',
    { 'github-token': 'ghs_bot' },
    { ...t.env('ghs_bot'), GITHUB_RUN_ID: '1', AI_SCRUM_WRITE_INTERVAL_MS: '0' },
  );
  return { ...result, summary: withoutLinks(result.summary) };
}

const trackingIssues = (t: Twin) =>
  [...t.state.items.values()].filter((i) => i.title === 'AI Scrum Master — coordination');

describe('a first dispatch on a fresh repository', () => {
  it('with no labels at all passes, writes nothing, and says there is nothing to dispatch', async () => {
    twin = await startTwin(fresh());
    const result = await firstRun(twin);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ count: '0', 'has-work': 'false', 'tracking-issue': '' });
    expect(result.summary).toContain(
      '**Nothing to dispatch:** no open issue is ready for an AI worker.',
    );
    expect(trackingIssues(twin)).toEqual([]);
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('with labels but no ai-ready issue does the same', async () => {
    twin = await startTwin(
      fresh({
        labels: ['ai-ready', 'ai-coordination', 'bug'],
        issues: [
          {
            number: 1,
            title: 'A bug',
            author: 'alice',
            createdAt: at,
            labels: [{ name: 'bug', by: 'alice', at }],
          },
        ],
      }),
    );
    const result = await firstRun(twin);
    expect(result.code).toBe(0);
    expect(result.summary).toContain(
      '**Nothing to dispatch:** no open issue is ready for an AI worker.',
    );
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('with only ai-ready issues that cannot be picked gives each its reason and writes nothing', async () => {
    twin = await startTwin(
      fresh({
        labels: ['ai-ready'],
        issues: [
          {
            number: 1,
            title: 'Mallory asks',
            body: 'Change `src/a.ts`.',
            author: 'mallory',
            createdAt: at,
            labels: [{ name: 'ai-ready', by: 'mallory', at }],
          },
          {
            number: 2,
            title: 'CI change',
            body: 'Edit `.github/workflows/ci.yml`.',
            author: 'alice',
            createdAt: at,
            labels: [{ name: 'ai-ready', by: 'alice', at }],
          },
        ],
      }),
    );
    const result = await firstRun(twin);
    expect(result.code).toBe(0);
    expect(result.summary).toContain('**Nothing to dispatch:** none of 2 candidates can start now');
    expect(result.summary).toContain(
      '| #1 Mallory asks | not authorised: ai-ready applied by mallory (read access) |',
    );
    expect(result.summary).toContain(
      '| #2 CI change | touches the protected path `.github/workflows/ci.yml`: a human must do it |',
    );
    expect(trackingIssues(twin)).toEqual([]);
    expect(twin.stats().contentCreating).toBe(0);
  });

  it('with work opens the tracking issue, creates the labels it needs, and claims', async () => {
    twin = await startTwin(
      fresh({
        issues: [
          {
            number: 1,
            title: 'Fix a',
            body: 'Change `src/a.ts`.',
            author: 'alice',
            createdAt: at,
            labels: [],
          },
        ],
      }),
    );
    // The only label in the repository is the one a maintainer just applied.
    await fetch(`${twin.urls.api}/repos/acme/shop/issues/1/labels`, {
      method: 'POST',
      headers: { authorization: 'token ghs_bot', 'content-type': 'application/json' },
      body: JSON.stringify({ labels: ['ai-ready'] }),
    });
    const result = await firstRun(twin);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs['matrix']!).include).toMatchObject([{ issue: 1, epoch: 1 }]);
    const [tracking] = trackingIssues(twin);
    expect(tracking).toMatchObject({ labels: ['ai-coordination'], state: 'open' });
    expect(twin.state.item(1).labels).toContain('ai-in-progress');
  });
});
