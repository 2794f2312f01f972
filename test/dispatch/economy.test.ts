import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { runDispatch } from '../../src/dispatch/run.js';
import { backlogScenario } from '../../src/twin/scenarios.js';
import { startTwin, type Twin } from '../../src/twin/server.js';
import { twinDeps } from '../support/dispatch.js';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin(backlogScenario({ issues: 1000, activeClaims: 50, now: new Date() }));
});
afterAll(async () => {
  await twin.stop();
});

it('dispatches from 1,000 ai-ready issues and 50 active claims within the API budget', async () => {
  const { deps, outputs } = twinDeps(twin, { 'github-token': 'ghs_bot', 'max-workers': '60' });
  twin.resetStats();
  await runDispatch(deps);
  const stats = twin.stats();
  // Counts are deterministic for a given backlog, so they can be asserted exactly as bounds.
  expect(stats.requests).toBeLessThanOrEqual(20);
  expect(stats.contentCreating).toBeLessThanOrEqual(4);
  expect(stats.graphqlPoints).toBeLessThanOrEqual(60);
  expect(Number(outputs['count'])).toBe(10);
  const matrix = JSON.parse(outputs['matrix']!) as { include: { issue: number }[] };
  expect(matrix.include.every((entry) => entry.issue > 50)).toBe(true);
});
