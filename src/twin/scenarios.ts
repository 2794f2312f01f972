import { chainedBody, genesis } from '../ledger/chain.js';
import { encodeEntries } from '../ledger/codec.js';
import type { ClaimEntry } from '../ledger/entries.js';
import { trackingMarker } from '../ledger/tracking.js';
import type { FixtureInput } from './fixture.js';

/** Generated fixtures for measuring dispatch at scale: a large backlog and claims in flight. */

export interface BacklogScenario {
  /** ai-ready issues */
  issues: number;
  /** of which this many hold an active claim (the first ones), from run `runId` */
  activeClaims: number;
  now: Date;
  runId?: number;
}

export const SCENARIO_TOKEN = 'ghs_bot';
const PRIORITIES = ['priority:critical', 'priority:high', 'priority:medium', 'priority:low'];

/** One file per issue, spread over folders, so footprints rarely collide unless asked to. */
export const scenarioFile = (issue: number): string => `src/area-${issue % 50}/part-${issue}.ts`;

export function backlogScenario(options: BacklogScenario): FixtureInput {
  const runId = options.runId ?? 500;
  const day = (i: number) =>
    new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const files: Record<string, string> = { 'README.md': '# scenario\n' };
  for (let i = 1; i <= options.issues; i++)
    files[scenarioFile(i)] = `export const part${i} = ${i};\n`;
  const issues: NonNullable<FixtureInput['issues']> = [];
  for (let i = 1; i <= options.issues; i++) {
    const labels = [{ name: 'ai-ready', by: 'alice', at: day(i) }];
    if (i % 7 === 0) labels.push({ name: PRIORITIES[i % 4]!, by: 'alice', at: day(i) });
    if (i <= options.activeClaims)
      labels.push({ name: 'ai-in-progress', by: 'github-actions[bot]', at: day(i) });
    issues.push({
      number: i,
      title: `Task ${i}`,
      body: `Change \`${scenarioFile(i)}\` so that task ${i} is done.`,
      author: 'alice',
      createdAt: day(i),
      labels,
    });
  }
  const lease = new Date(options.now.getTime() + 2 * 3_600_000).toISOString();
  const claims: ClaimEntry[] = Array.from({ length: options.activeClaims }, (_, k) => ({
    type: 'claim',
    issue: k + 1,
    claim: `r${runId}a1-${k + 1}-e1`,
    epoch: 1,
    kind: 'issue',
    files: [scenarioFile(k + 1)],
    run: runId,
    lease,
    at: options.now.toISOString(),
  }));
  const tracking = options.issues + 1;
  issues.push({
    number: tracking,
    title: 'AI Scrum Master — coordination',
    body: `${trackingMarker({ nonce: 'scenario', from: null })}\n<!-- ai-scrum-dashboard -->`,
    author: 'github-actions[bot]',
    createdAt: day(0),
    labels: [{ name: 'ai-coordination', by: 'github-actions[bot]', at: day(0) }],
    comments:
      claims.length > 0
        ? [
            {
              author: 'github-actions[bot]',
              body: chainedBody(genesis(tracking), 'scenario-1', encodeEntries(claims)),
              at: options.now.toISOString(),
            },
          ]
        : [],
  });
  return {
    repository: { owner: 'acme', name: 'shop', files },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'mallory', permission: 'read' },
    ],
    tokens: { [SCENARIO_TOKEN]: 'github-actions[bot]', ghp_alice: 'alice', ghp_mallory: 'mallory' },
    labels: ['ai-ready', 'ai-in-progress', 'ai-coordination', 'ai-conflict', ...PRIORITIES],
    issues,
    workflowRuns: [{ id: runId, status: 'in_progress', createdAt: options.now.toISOString() }],
  };
}
