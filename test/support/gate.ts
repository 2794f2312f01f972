import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { claimMarker, claimTrailers } from '../../src/ledger/trailers.js';
import type { FixtureInput, Twin } from '../../src/twin/index.js';
import { parse } from 'yaml';
import { ledgerIssue } from './ledger.js';
import { ROOT } from './source.js';
import { client } from './twin.js';

/** A repository, a ledger and a toolkit pull request, as the merge gate finds them. */

export const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}T00:00:00Z`;
const LEASE = '2099-01-01T00:00:00Z';

/** The `permissions:` block of the documented gate job: all its GITHUB_TOKEN holds. */
export const GATE_PERMISSIONS = (
  parse(readFileSync(join(ROOT, 'docs/examples/merge-gate.yml'), 'utf8')) as {
    jobs: { gate: { permissions: Record<string, string> } };
  }
).jobs.gate.permissions;

export function claim(
  issue: number,
  epoch: number,
  files: string[] = ['src/cart.js'],
): LedgerEntry {
  return {
    type: 'claim',
    issue,
    claim: `r100-${issue}-e${epoch}`,
    epoch,
    kind: 'issue',
    files,
    run: 100,
    lease: LEASE,
    at: day(20),
  };
}

/**
 * The shop: a cart module, issue #1 claimed in the ledger (#2), its GITHUB_TOKEN limited to the
 * gate's documented permissions, an admin and a reviewer.
 */
export function gateFixture(
  options: {
    ledger?: LedgerEntry[][];
    protection?: Record<string, unknown>;
    workflows?: FixtureInput['workflows'];
    timing?: FixtureInput['timing'];
    labels?: string[];
    /** The repository's "Automatically delete head branches". */
    deleteBranchOnMerge?: boolean;
  } = {},
): FixtureInput {
  return {
    repository: {
      owner: 'acme',
      name: 'shop',
      files: {
        'README.md': '# shop\n',
        'src/cart.js': 'export function total(items) {\n  return items.length;\n}\n',
        '.github/workflows/ci.yml': 'on: push\n',
      },
      ...(options.protection ? { protection: options.protection as never } : {}),
      ...(options.deleteBranchOnMerge === undefined
        ? {}
        : { deleteBranchOnMerge: options.deleteBranchOnMerge }),
    },
    users: [
      { login: 'alice', permission: 'admin' },
      { login: 'bob', permission: 'write' },
    ],
    tokens: {
      // The gate's GITHUB_TOKEN holds exactly the documented `permissions:` block.
      ghs_bot: { login: 'github-actions[bot]', permissions: { ...GATE_PERMISSIONS } } as never,
      ghs_worker: 'github-actions[bot]',
      ghp_alice: 'alice',
      ghp_bob: 'bob',
    },
    labels: [
      'ai-ready',
      'ai-in-progress',
      'ai-completed',
      'ai-coordination',
      'ai-conflict',
      'priority:critical',
      ...(options.labels ?? []),
    ],
    issues: [
      {
        number: 1,
        title: 'Cart total counts quantities',
        body: 'Change `src/cart.js`.',
        author: 'alice',
        createdAt: day(1),
        labels: [
          { name: 'ai-ready', by: 'alice', at: day(2) },
          { name: 'ai-in-progress', by: 'github-actions[bot]', at: day(20) },
        ],
      },
      ledgerIssue({
        number: 2,
        at: day(3),
        comments: (options.ledger ?? [[claim(1, 1)]]).map((entries) => ({
          author: 'github-actions[bot]',
          at: day(20),
          entries,
        })),
      }),
    ],
    workflows: options.workflows ?? [],
    timing: options.timing ?? { mergeableUnknownReads: 0, asyncDelayMs: null },
  };
}

/**
 * What a worker leaves: `ai-feature/issue-N` with one commit carrying the claim trailers, and
 * its pull request whose body closes the issue and carries the claim marker.
 */
export async function workerPull(
  twin: Twin,
  options: {
    issue?: number;
    claim?: string;
    epoch?: number;
    files?: Record<string, string>;
    draft?: boolean;
  } = {},
): Promise<{ number: number; head: string; nodeId: string }> {
  const api = client(twin, 'ghs_worker');
  const issue = options.issue ?? 1;
  const epoch = options.epoch ?? 1;
  const mark = { claim: options.claim ?? `r100-${issue}-e${epoch}`, epoch };
  const branch = `ai-feature/issue-${issue}`;
  const base = (await api.request('GET', '/repos/acme/shop/git/ref/heads/main')).body.object.sha;
  await api.request('POST', '/repos/acme/shop/git/refs', {
    ref: `refs/heads/${branch}`,
    sha: base,
  });
  const files = options.files ?? {
    'src/cart.js':
      'export function total(items) {\n  let sum = 0;\n  for (const item of items) sum += item.quantity;\n  return sum;\n}\n',
  };
  const commit = await api.graphql(
    `mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }`,
    {
      input: {
        branch: { repositoryNameWithOwner: 'acme/shop', branchName: branch },
        expectedHeadOid: base,
        message: { headline: `Cart total for #${issue}`, body: claimTrailers(mark) },
        fileChanges: {
          additions: Object.entries(files).map(([path, text]) => ({
            path,
            contents: Buffer.from(text).toString('base64'),
          })),
        },
      },
    },
  );
  if (commit.body.errors) throw new Error(JSON.stringify(commit.body.errors));
  const pull = await api.request('POST', '/repos/acme/shop/pulls', {
    title: `Cart total (#${issue})`,
    head: `acme:${branch}`,
    base: 'main',
    body: `Closes #${issue}\n\n${claimMarker(mark)}`,
    draft: options.draft ?? false,
  });
  if (pull.status !== 201) throw new Error(JSON.stringify(pull.body));
  return { number: pull.body.number, head: pull.body.head.sha, nodeId: pull.body.node_id };
}

/** A runner's workspace holding an lcov report of src/cart.js with the given lines hit. */
export function lcovWorkspace(hits: Record<number, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-gate-'));
  mkdirSync(join(dir, 'coverage'));
  const lines = Object.entries(hits).map(([line, count]) => `DA:${line},${count}`);
  const covered = Object.values(hits).filter((count) => count > 0).length;
  writeFileSync(
    join(dir, 'coverage', 'lcov.info'),
    `TN:\nSF:${join(dir, 'src/cart.js')}\n${lines.join('\n')}\nLF:${lines.length}\nLH:${covered}\nend_of_record\n`,
  );
  return dir;
}

/** A passing check run on a commit, as the CI app reports one. */
export async function passCheck(twin: Twin, sha: string, name = 'test'): Promise<void> {
  await client(twin, 'ghs_worker').request('POST', '/repos/acme/shop/check-runs', {
    name,
    head_sha: sha,
    conclusion: 'success',
  });
}
