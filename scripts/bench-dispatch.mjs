#!/usr/bin/env node
// Measures dispatch against the local twin (a stand-in for GitHub: counts are the twin's) for
// backlogs of 100, 1,000 and 10,000 issues, and the planning time of the pure core.
// Run through `npm run bench:dispatch`, which compiles the sources into build/ first.
import { performance } from 'node:perf_hooks';
import { RepositoryTree } from '../build/backlog/footprint.js';
import { planDispatch } from '../build/backlog/plan.js';
import { runDispatch } from '../build/dispatch/run.js';
import { gitHubDispatchPorts } from '../build/github/dispatch-ports.js';
import { createGitHubClient } from '../build/github/client.js';
import { encodeEntries } from '../build/ledger/codec.js';
import { foldLedger } from '../build/ledger/fold.js';
import { sameIdentity } from '../build/ledger/identity.js';
import { RecordingLogger } from '../build/logger.js';
import { backlogScenario, scenarioFile, startTwin } from '../build/twin/index.js';

async function measureDispatch(issues, activeClaims) {
  const started = performance.now();
  const twin = await startTwin(backlogScenario({ issues, activeClaims, now: new Date() }));
  const seeded = performance.now() - started;
  const outputs = {};
  const logger = new RecordingLogger();
  try {
    twin.resetStats();
    const t0 = performance.now();
    await runDispatch(
      {
        input: (name) =>
          ({
            'github-token': 'ghs_bot',
            'max-workers': String(activeClaims + 10),
            // Attempts in flight hold back their estimates: leave room for the ten new ones.
            'daily-budget-usd': '1000',
          })[name] ?? '',
        env: { ...twin.env('ghs_bot'), GITHUB_RUN_ID: '900' },
        logger,
        setOutput: (name, value) => (outputs[name] = value),
        writeSummary: async () => {},
        github: (token) =>
          createGitHubClient({
            token,
            apiUrl: twin.urls.api,
            graphqlUrl: twin.urls.graphql,
            writeIntervalMs: 0,
          }),
        now: () => new Date(),
      },
      gitHubDispatchPorts,
    );
    const elapsed = performance.now() - t0;
    const stats = twin.stats();
    return {
      issues,
      activeClaims,
      picked: Number(outputs.count),
      requests: stats.requests,
      contentCreating: stats.contentCreating,
      graphqlPoints: stats.graphqlPoints,
      byRoute: stats.byRoute,
      elapsedMs: Math.round(elapsed),
      seedMs: Math.round(seeded),
    };
  } finally {
    await twin.stop();
  }
}

function measurePlanning(issues, locks) {
  const bot = { login: 'github-actions', bot: true };
  const now = new Date();
  const lease = new Date(now.getTime() + 3_600_000).toISOString();
  const claims = Array.from({ length: locks }, (_, k) => ({
    type: 'claim',
    issue: k + 1,
    claim: `c-${k + 1}-1`,
    epoch: 1,
    kind: 'issue',
    files: [scenarioFile(k + 1)],
    run: 1,
    lease,
    at: now.toISOString(),
  }));
  const backlog = Array.from({ length: issues }, (_, k) => ({
    number: k + 1,
    title: `Task ${k + 1}`,
    body:
      `Change \`${scenarioFile(k + 1)}\` carefully.${k % 10 === 0 ? ` Depends on #${k + 2}.` : ''} `.repeat(
        3,
      ) + (k % 25 === 0 ? ` Also \`src/area-${k % 50}/*.ts\`.` : ''),
    author: 'alice',
    createdAt: new Date(Date.UTC(2026, 0, 1) + k * 60_000).toISOString(),
    labels: ['ai-ready', ...(k % 5 === 0 ? ['priority:high'] : [])],
    openNativeBlockers: 0,
    openSubIssues: 0,
  }));
  const details = new Map(
    backlog.map((i) => [
      i.number,
      {
        readyLabel: { actor: { login: 'alice', bot: false }, at: '2026-01-01T00:00:00Z' },
        edits: [],
        parent: null,
      },
    ]),
  );
  const settings = {
    maxWorkers: locks + 50,
    maxAttempts: 3,
    dailyBudgetUsd: 100,
    issueBudgetUsd: 5,
    forcedIssues: [],
    labels: {
      ready: 'ai-ready',
      completed: 'ai-completed',
      failed: 'ai-failed',
      conflict: 'ai-conflict',
    },
    priorityOrder: ['priority:critical', 'priority:high'],
    complexityOrder: [],
    fallbackFootprint: ['**'],
    protectedPaths: ['.github/**'],
  };
  const times = [];
  let plan;
  for (let run = 0; run < 5; run++) {
    const ledger = foldLedger(
      [{ id: 1, author: bot, body: encodeEntries(claims), createdAt: '' }],
      (who) => sameIdentity(who, bot),
    );
    const tree = new RepositoryTree(['README.md', ...backlog.map((i) => scenarioFile(i.number))]);
    const t0 = performance.now();
    plan = planDispatch(
      {
        backlog,
        conflicts: [],
        ledger,
        now,
        tree,
        details,
        permission: () => 'admin',
        trusted: () => false,
        referenced: new Map(),
      },
      settings,
    );
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    issues,
    locks,
    picked: plan.picked.length,
    skipped: plan.skipped.length,
    medianMs: Math.round(times[2] * 10) / 10,
    maxMs: Math.round(times[4] * 10) / 10,
  };
}

console.log('Dispatch against the local GitHub twin (counts measured by the twin, not by GitHub):');
console.log('issues  active  picked  requests  content-creating  graphql-points  wall-ms');
for (const [issues, active] of [
  [100, 50],
  [1000, 50],
  [10000, 50],
]) {
  const r = await measureDispatch(issues, active);
  console.log(
    `${String(r.issues).padStart(6)}  ${String(r.activeClaims).padStart(6)}  ${String(r.picked).padStart(6)}  ${String(r.requests).padStart(8)}  ${String(r.contentCreating).padStart(16)}  ${String(r.graphqlPoints).padStart(14)}  ${String(r.elapsedMs).padStart(7)}`,
  );
  if (process.argv.includes('--routes')) console.log(r.byRoute);
}
console.log('');
console.log('Planning time of the pure core (planDispatch; median and worst of 5 runs):');
for (const [issues, locks] of [
  [1000, 100],
  [10000, 1000],
]) {
  const r = measurePlanning(issues, locks);
  console.log(
    `${issues} issues against ${locks} locks: median ${r.medianMs} ms, worst ${r.maxMs} ms (${r.picked} picked, ${r.skipped} with a reason)`,
  );
}
