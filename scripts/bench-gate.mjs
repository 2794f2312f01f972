#!/usr/bin/env node
// Counts the HTTP requests one merge-gate evaluation of a clean toolkit pull request costs,
// against the local twin (a stand-in for GitHub: counts are the twin's). Run through
// `npm run bench:coverage`, which compiles the sources into build/ first.
import { Buffer } from 'node:buffer';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitHubClient } from '../build/github/client.js';
import { gitHubMergeGatePorts } from '../build/github/merge-gate-ports.js';
import { chainedBody, genesis } from '../build/ledger/chain.js';
import { encodeEntries } from '../build/ledger/codec.js';
import { trackingMarker } from '../build/ledger/tracking.js';
import { claimMarker, claimTrailers } from '../build/ledger/trailers.js';
import { RecordingLogger } from '../build/logger.js';
import { runMergeGate } from '../build/merge-gate/run.js';
import { startTwin } from '../build/twin/index.js';

const now = new Date();
const mark = { claim: 'r1-1-e1', epoch: 1 };
const claim = {
  type: 'claim',
  issue: 1,
  claim: mark.claim,
  epoch: 1,
  kind: 'issue',
  files: ['src/cart.js'],
  run: 1,
  lease: new Date(now.getTime() + 3_600_000).toISOString(),
  at: now.toISOString(),
};
const fixture = {
  repository: {
    owner: 'acme',
    name: 'shop',
    files: { 'src/cart.js': 'export const total = (items) => items.length;\n' },
    protection: { requiredChecks: ['test'] },
  },
  users: [{ login: 'alice', permission: 'admin' }],
  tokens: { ghs_bot: 'github-actions[bot]' },
  labels: ['ai-ready', 'ai-in-progress', 'ai-completed', 'ai-coordination', 'ai-conflict'],
  issues: [
    { number: 1, title: 'Cart total', author: 'alice', createdAt: '2026-11-01T00:00:00Z' },
    {
      number: 2,
      title: 'AI Scrum Master — coordination',
      body: `${trackingMarker({ nonce: 'bench', from: null })}\ndashboard`,
      author: 'github-actions[bot]',
      createdAt: '2026-11-01T00:00:00Z',
      labels: [{ name: 'ai-coordination', by: 'github-actions[bot]', at: '2026-11-01T00:00:00Z' }],
      comments: [
        {
          author: 'github-actions[bot]',
          at: now.toISOString(),
          body: chainedBody(genesis(2), 'bench', encodeEntries([claim])),
        },
      ],
    },
  ],
  timing: { mergeableUnknownReads: 0, asyncDelayMs: null },
};

async function measure(checked) {
  const twin = await startTwin(fixture);
  const api = (method, path, body) =>
    globalThis
      .fetch(`${twin.urls.api}${path}`, {
        method,
        headers: { authorization: 'token ghs_bot', 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      .then((response) => response.json());
  const workspace = mkdtempSync(join(tmpdir(), 'ai-scrum-bench-gate-'));
  try {
    // What a worker leaves: its branch, one commit with the claim trailers, the pull request.
    const base = (await api('GET', '/repos/acme/shop/git/ref/heads/main')).object.sha;
    await api('POST', '/repos/acme/shop/git/refs', {
      ref: 'refs/heads/ai-feature/issue-1',
      sha: base,
    });
    const committed = await api('POST', '/graphql', {
      query: `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
      variables: {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: 'ai-feature/issue-1' },
          expectedHeadOid: base,
          message: { headline: 'Cart total', body: claimTrailers(mark) },
          fileChanges: {
            additions: [
              {
                path: 'src/cart.js',
                contents: Buffer.from(
                  'export const total = (items) =>\n  items.reduce((sum, item) => sum + item.quantity, 0);\n',
                ).toString('base64'),
              },
            ],
          },
        },
      },
    });
    const head = committed.data.createCommitOnBranch.commit.oid;
    const pull = await api('POST', '/repos/acme/shop/pulls', {
      title: 'Cart total',
      head: 'acme:ai-feature/issue-1',
      base: 'main',
      body: `Closes #1\n\n${claimMarker(mark)}`,
    });
    // The required check has started (queued) or finished.
    await api('POST', '/repos/acme/shop/check-runs', {
      name: 'test',
      head_sha: head,
      ...(checked ? { conclusion: 'success' } : { status: 'queued' }),
    });
    mkdirSync(join(workspace, 'coverage'));
    writeFileSync(
      join(workspace, 'coverage/lcov.info'),
      'TN:\nSF:src/cart.js\nDA:1,1\nDA:2,1\nLF:2\nLH:2\nend_of_record\n',
    );

    twin.resetStats();
    const outputs = {};
    await runMergeGate(
      {
        input: (name) =>
          ({
            'github-token': 'ghs_bot',
            'pull-request': String(pull.number),
            'coverage-files': 'coverage/lcov.info',
          })[name] ?? '',
        env: { ...twin.env('ghs_bot'), GITHUB_WORKSPACE: workspace, GITHUB_RUN_ID: '7' },
        logger: new RecordingLogger(),
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
      gitHubMergeGatePorts,
    );
    return { verdict: outputs.verdict, stats: twin.stats() };
  } finally {
    await twin.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
}

console.log('One merge-gate evaluation of a clean pull request, against the local GitHub twin');
console.log('(counts measured by the twin, not by GitHub; goal: at most 6 requests):');
for (const [checked, what] of [
  [false, 'required check still queued: the gate enables auto-merge, which waits for it'],
  [true, 'checks passed: the gate merges now, then releases the claim, labels, deletes the branch'],
]) {
  const { verdict, stats } = await measure(checked);
  console.log(
    `\n${what}\nverdict ${verdict}: ${stats.requests} requests, ${stats.contentCreating} content-creating, ${stats.graphqlPoints} GraphQL points`,
  );
  for (const [route, count] of Object.entries(stats.byRoute).sort())
    console.log(`  ${String(count).padStart(3)}  ${route}`);
}
