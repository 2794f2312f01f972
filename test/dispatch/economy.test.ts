import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { commentsFor } from '../../src/dispatch/dispatch.js';
import { runDispatch } from '../../src/dispatch/run.js';
import { gitHubDispatchPorts } from '../../src/github/dispatch-ports.js';
import { decodeEntries } from '../../src/ledger/codec.js';
import { backlogScenario, startTwin, type Twin } from '../../src/twin/index.js';
import { twinDeps } from '../support/dispatch.js';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin(backlogScenario({ issues: 1000, activeClaims: 50, now: new Date() }));
});
afterAll(async () => {
  await twin.stop();
});

it('dispatches from 1,000 ai-ready issues and 50 active claims within the API budget', async () => {
  // 50 attempts in flight hold back their estimates ($1 each without history): room for 10 more.
  const { deps, outputs } = twinDeps(twin, {
    'github-token': 'ghs_bot',
    'max-workers': '60',
    'daily-budget-usd': '100',
  });
  twin.resetStats();
  await runDispatch(deps, gitHubDispatchPorts);
  const stats = twin.stats();
  // Counts are deterministic for a given backlog, so they can be asserted exactly as bounds.
  expect(stats.requests).toBeLessThanOrEqual(20);
  expect(stats.contentCreating).toBeLessThanOrEqual(4);
  expect(stats.graphqlPoints).toBeLessThanOrEqual(60);
  expect(Number(outputs['count'])).toBe(10);
  const matrix = JSON.parse(outputs['matrix']!) as { include: { issue: number }[] };
  expect(matrix.include.every((entry) => entry.issue > 50)).toBe(true);
});

it('claims a batch of 256 in one comment, whatever its footprints, with at most 4 content-creating requests', async () => {
  const wide = await startTwin(backlogScenario({ issues: 300, activeClaims: 0, now: new Date() }));
  try {
    // Long footprints: every issue names forty files of its folder.
    for (const item of wide.state.items.values()) {
      if (item.kind === 'issue' && item.labels.includes('ai-ready')) {
        item.body += Array.from(
          { length: 40 },
          (_, i) =>
            ` \`src/area-${item.number % 50}/part-${(item.number + i * 50) % 300 || 300}.ts\``,
        ).join('');
      }
    }
    const { deps, outputs } = twinDeps(wide, {
      'github-token': 'ghs_bot',
      'max-workers': '256',
      'fallback-footprint': 'nothing/**',
    });
    wide.resetStats();
    await runDispatch(deps, gitHubDispatchPorts);
    const stats = wide.stats();
    expect(Number(outputs['count'])).toBeGreaterThan(0);
    expect(stats.contentCreating).toBeLessThanOrEqual(4);
    expect(stats.byRoute['POST /repos/{owner}/{repo}/issues/{issue_number}/comments']).toBe(1);
  } finally {
    await wide.stop();
  }
});

it('fits 256 claims with long footprints into one comment by coarsening them', () => {
  const files = Array.from(
    { length: 100 },
    (_, i) => `src/module-${i % 7}/very/long/path/to/file-number-${i}.ts`,
  );
  const entries = Array.from({ length: 256 }, (_, k) => ({
    type: 'claim' as const,
    issue: k + 1,
    claim: `r1a1-${k + 1}-e1`,
    epoch: 1,
    kind: 'issue' as const,
    files,
    run: 1,
    lease: '2026-11-26T12:00:00Z',
    at: '2026-11-26T10:00:00Z',
  }));
  const bodies = commentsFor(entries);
  expect(bodies).toHaveLength(1);
  expect(bodies[0]!.length).toBeLessThanOrEqual(65_536);
  const decoded = decodeEntries(bodies[0]!);
  expect(decoded.entries).toHaveLength(256);
  expect(decoded.entries[0]).toMatchObject({ files: ['src/**'] });
});
