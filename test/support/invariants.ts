import { expect } from '@jest/globals';
import { readLink } from '../../src/ledger/chain.js';
import { decodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { createGitHubClient } from '../../src/github/client.js';
import { GitHubLedgerAdapter } from '../../src/github/ledger-adapter.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { Twin } from '../../src/twin/index.js';

/**
 * The ledger's invariants, checked from what the twin holds and what dispatch handed out, not
 * from dispatch's own report. A step is one dispatch: its time and the matrix it output.
 */

export interface HandedOut {
  issue: number;
  claim: string;
  epoch: number;
  /** When the dispatch that handed it out ran. */
  at: number;
  /** When its lease ends, as its claim entry said when it was handed out. */
  lease: number;
}

/** Matrix entries handed out at a moment, with their leases read from the ledger as written. */
export function handedOut(
  twin: Twin,
  matrix: readonly { issue: number; claim: string; epoch: number }[],
  at: number,
): HandedOut[] {
  const leases = new Map(
    writtenEntries(twin).flatMap((e) =>
      e.type === 'claim' ? [[e.claim, Date.parse(e.lease)] as const] : [],
    ),
  );
  return matrix.map((entry) => {
    const lease = leases.get(entry.claim);
    expect({ claim: entry.claim, written: lease !== undefined }).toEqual({
      claim: entry.claim,
      written: true,
    });
    return { issue: entry.issue, claim: entry.claim, epoch: entry.epoch, at, lease: lease! };
  });
}

/** The ledger as the toolkit reads it, through the real adapter. */
export async function readLedger(twin: Twin, writers: string[] = []): Promise<Ledger> {
  const client = createGitHubClient({
    token: 'ghs_bot',
    apiUrl: twin.urls.api,
    graphqlUrl: twin.urls.graphql,
    writeIntervalMs: 0,
  });
  return openLedger(new GitHubLedgerAdapter(client, { owner: 'acme', repo: 'shop' }), {
    label: 'ai-coordination',
    writers: writers.map((login) => ({
      login: login.replace(/\[bot\]$/, ''),
      bot: login.endsWith('[bot]'),
    })),
    title: 'AI Scrum Master — coordination',
  });
}

/**
 * Every chained entry the toolkit's identity wrote, on any issue, as it wrote it: an edited
 * comment's first revision, and nothing from comments deleted since (their entries are gone).
 */
function writtenEntries(twin: Twin): LedgerEntry[] {
  return twin.state.comments
    .filter((c) => c.author === 'github-actions[bot]')
    .map((c) => c.edits[0]?.body ?? c.body)
    .filter((body) => readLink(body))
    .flatMap((body) => decodeEntries(body).entries);
}

/**
 * No issue ever holds two live claims: a claim handed out for an issue comes only after the
 * previous one handed out for it was released or expired in the ledger, or its lease passed.
 */
export function expectOneLiveClaimPerIssue(twin: Twin, handed: readonly HandedOut[]): void {
  const entries = writtenEntries(twin);
  const ended = new Set(
    entries.flatMap((e) => (e.type === 'release' || e.type === 'expire' ? [e.claim] : [])),
  );
  const byIssue = new Map<number, HandedOut[]>();
  for (const h of handed) byIssue.set(h.issue, [...(byIssue.get(h.issue) ?? []), h]);
  for (const [issue, claims] of byIssue) {
    const ordered = [...claims].sort((a, b) => a.at - b.at);
    for (let i = 1; i < ordered.length; i++) {
      const before = ordered[i - 1]!;
      const after = ordered[i]!;
      const over = ended.has(before.claim) || before.lease <= after.at;
      expect({ issue, before: before.claim, after: after.claim, over }).toMatchObject({
        over: true,
      });
      expect(after.epoch).toBeGreaterThan(before.epoch);
    }
  }
}

/** Attempts per issue and spend per day, as the ledger folds them now. */
export function counters(ledger: Ledger): {
  attempts: Map<number, number>;
  spend: Map<string, number>;
} {
  return {
    attempts: new Map([...ledger.state.issues].map(([n, rec]) => [n, rec.attempts])),
    spend: new Map(ledger.state.spendByDay),
  };
}

/** Attempts and daily spend never decrease from one readable ledger to the next. */
export function expectNoDecrease(
  before: ReturnType<typeof counters>,
  after: ReturnType<typeof counters>,
): void {
  for (const [issue, attempts] of before.attempts) {
    const now = after.attempts.get(issue) ?? 0;
    expect({ issue, attempts: now, decreased: now < attempts }).toMatchObject({ decreased: false });
  }
  for (const [day, usd] of before.spend) {
    const now = after.spend.get(day) ?? 0;
    expect({ day, usd: now, decreased: now < usd - 1e-9 }).toMatchObject({ decreased: false });
  }
}
