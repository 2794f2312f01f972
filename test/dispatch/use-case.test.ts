import { describe, expect, it } from '@jest/globals';
import { dispatch, type DispatchOptions, type RunContext } from '../../src/dispatch/dispatch.js';
import { identityOf } from '../../src/ledger/identity.js';
import { RecordingLogger } from '../../src/logger.js';
import { FakeDispatchPort } from '../support/fakes.js';
import { FakeLedgerPort } from '../support/ledger.js';

/** The dispatch use case against in-memory fakes of its two ports: no HTTP, no twin. */

const alice = identityOf('alice');
const now = new Date('2026-11-26T11:00:00Z');
const context: RunContext = {
  runId: 7,
  runAttempt: 1,
  actor: 'alice',
  triggeringActor: '',
  event: 'schedule',
};

const options: DispatchOptions = {
  maxWorkers: 2,
  maxAttempts: 3,
  dailyBudgetUsd: 25,
  issueBudgetUsd: 5,
  forcedIssues: [],
  leaseMinutes: 120,
  dryRun: false,
  ledgerWriters: [],
  recoverLedger: false,
  priorityOrder: [],
  complexityOrder: [],
  fallbackFootprint: ['**'],
  protectedPaths: ['.github/**'],
  labels: {
    ready: 'ai-ready',
    inProgress: 'ai-in-progress',
    completed: 'ai-completed',
    failed: 'ai-failed',
    conflict: 'ai-conflict',
    coordination: 'ai-coordination',
  },
};

function world() {
  const github = new FakeDispatchPort();
  github.files = ['src/a.ts', 'src/b.ts', 'src/c.ts'];
  github.collaborators.set('alice', 'admin');
  for (const [n, file] of [
    [1, 'a'],
    [2, 'b'],
    [3, 'a'],
  ] as const) {
    github.backlogIssues.push({
      number: n,
      nodeId: `I_${n}`,
      title: `Issue ${n}`,
      body: `Change \`src/${file}.ts\`.`,
      author: 'alice',
      createdAt: `2026-11-0${n}T00:00:00Z`,
      labels: ['ai-ready'],
      openNativeBlockers: 0,
      openSubIssues: 0,
    });
    github.details_.set(n, {
      readyLabel: { actor: alice, at: '2026-11-10T00:00:00Z' },
      edits: [],
      parent: null,
    });
  }
  return { github, ledger: new FakeLedgerPort() };
}

describe('dispatch against fakes of its ports', () => {
  it('claims a conflict-free batch in one ledger comment and labels it in one change', async () => {
    const ports = world();
    const wide = { ...options, maxWorkers: 3 };
    const report = await dispatch(ports, wide, context, now, new RecordingLogger());
    expect(report.claimed.map((c) => c.issue)).toEqual([1, 2]);
    expect(report.skipped.map((s) => [s.issue, s.reason.kind])).toEqual([[3, 'locked']]);
    expect(ports.ledger.issues).toHaveLength(1);
    expect(ports.ledger.issue(1).comments).toHaveLength(1);
    expect(ports.github.settled).toEqual([
      {
        add: [
          { nodeId: 'I_1', labelId: 'L_ai-in-progress' },
          { nodeId: 'I_2', labelId: 'L_ai-in-progress' },
        ],
        remove: [],
        // Each first claim's progress comment, opened in the same request.
        comment: report.claimed.map((c) => ({
          nodeId: `I_${c.issue}`,
          body: expect.stringContaining(`Claim \`${c.claim}\`, epoch 1.`),
        })),
      },
    ]);
    // A second run sees the claims: nothing new fits.
    const again = await dispatch(ports, wide, { ...context, runId: 8 }, now, new RecordingLogger());
    expect(again.claimed).toEqual([]);
    expect(again.activeClaims).toBe(2);
  });

  it('writes nothing on a dry run', async () => {
    const ports = world();
    const report = await dispatch(
      ports,
      { ...options, dryRun: true },
      context,
      now,
      new RecordingLogger(),
    );
    expect(report.claimed).toHaveLength(2);
    expect(ports.ledger.writes).toBe(0);
    expect(ports.github.settled).toEqual([]);
  });

  it('claims nothing, and says so, when the ledger was edited', async () => {
    const ports = world();
    await dispatch(ports, { ...options, maxWorkers: 1 }, context, now, new RecordingLogger());
    ports.ledger.issue(1).comments[0]!.edited = { by: alice, at: '2026-11-26T10:59:00Z' };
    const logger = new RecordingLogger();
    const report = await dispatch(ports, options, { ...context, runId: 8 }, now, logger);
    expect(report.claimed).toEqual([]);
    expect(report.tampering).toEqual([expect.objectContaining({ kind: 'edited', by: alice })]);
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: expect.stringContaining('was edited by alice'),
    });
    // The alert on the tracking issue, once.
    expect(
      ports.ledger.issue(1).comments.filter((c) => c.body.includes('ai-scrum-alert')),
    ).toHaveLength(1);
  });

  it('spends no lookup on issues whose reason is known up front', async () => {
    const ports = world();
    ports.github.backlogIssues[0]!.labels.push('ai-failed');
    ports.github.backlogIssues[1]!.body = 'Edit `.github/workflows/ci.yml`.';
    ports.github.backlogIssues.splice(2, 1);
    const report = await dispatch(ports, options, context, now, new RecordingLogger());
    expect(report.claimed).toEqual([]);
    expect(ports.github.lookups).toBe(0);
  });
});
