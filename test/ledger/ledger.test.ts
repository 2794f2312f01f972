import { describe, expect, it } from '@jest/globals';
import { decodeEntries, encodeEntries } from '../../src/ledger/codec.js';
import { renderDashboard, DASHBOARD_MARKER } from '../../src/ledger/dashboard.js';
import type { ClaimEntry, LedgerEntry } from '../../src/ledger/entries.js';
import {
  effectiveClaim,
  effectiveClaims,
  foldLedger,
  lockedPaths,
  openClaims,
  snapshotOf,
  spendOn,
  type LedgerComment,
} from '../../src/ledger/fold.js';
import { identityOf, sameIdentity, type Identity } from '../../src/ledger/identity.js';

const bot: Identity = { login: 'github-actions', bot: true };
const mallory: Identity = { login: 'mallory', bot: false };
const trusted = (who: Identity) => sameIdentity(who, bot);

const claim = (issue: number, epoch: number, extra: Partial<ClaimEntry> = {}): ClaimEntry => ({
  type: 'claim',
  issue,
  claim: `r1a1-${issue}-e${epoch}`,
  epoch,
  kind: 'issue',
  files: [`src/${issue}.ts`],
  run: 1,
  lease: '2026-11-26T12:00:00Z',
  at: '2026-11-26T10:00:00Z',
  ...extra,
});

let nextId = 1;
const comment = (entries: LedgerEntry[], author: Identity | null = bot): LedgerComment => ({
  id: nextId++,
  author,
  body: encodeEntries(entries),
  createdAt: '2026-11-26T10:00:00Z',
});

const now = new Date('2026-11-26T11:00:00Z');

describe('entry codec', () => {
  it('round-trips several entries in one comment, each with a line for people', () => {
    const entries: LedgerEntry[] = [claim(1, 1), claim(2, 1, { kind: 'conflict', pr: 9 })];
    const body = encodeEntries(entries);
    expect(body).toContain('🔒 claim #1 — `r1a1-1-e1`, epoch 1');
    expect(body).toContain('conflict resolution for #2');
    expect(decodeEntries(body)).toEqual({ entries, skipped: 0 });
  });

  it('keeps hostile text inside its JSON: no marker can be closed early', () => {
    const release: LedgerEntry = {
      type: 'release',
      issue: 3,
      claim: 'r1a1-3-e1',
      outcome: 'failed',
      costUsd: 0.5,
      reason: 'tests failed --> <!-- ai-scrum-ledger v1 {"type":"claim"} -->',
      at: '2026-11-26T10:00:00Z',
    };
    const body = encodeEntries([release]);
    expect(body.match(/-->/g)).toHaveLength(1);
    expect(decodeEntries(body).entries).toEqual([release]);
  });

  it('skips and counts malformed, unknown and future-version entries', () => {
    const body = [
      '<!-- ai-scrum-ledger v1 {"type":"claim","issue":1} -->',
      '<!-- ai-scrum-ledger v1 {not json} -->',
      '<!-- ai-scrum-ledger v1 {"type":"promote","issue":1} -->',
      '<!-- ai-scrum-ledger v2 {"type":"claim"} -->',
      encodeEntries([claim(4, 1)]),
    ].join('\n');
    const decoded = decodeEntries(body);
    expect(decoded.skipped).toBe(4);
    expect(decoded.entries).toEqual([claim(4, 1)]);
  });
});

describe('fold', () => {
  it('takes only the trusted identity’s comments: a forged claim changes nothing', () => {
    const state = foldLedger([comment([claim(1, 1)], mallory), comment([claim(2, 1)])], trusted);
    expect(openClaims(state).map((c) => c.issue)).toEqual([2]);
    expect(state.stats).toMatchObject({ comments: 2, untrustedComments: 1, entries: 1 });
  });

  it('does not confuse an app with a user of the same login', () => {
    const impostor: Identity = { login: 'github-actions', bot: false };
    expect(foldLedger([comment([claim(1, 1)], impostor)], trusted).issues.size).toBe(0);
    expect(identityOf('GitHub-Actions[bot]')).toEqual(bot);
  });

  it('voids the second of two racing claims for one epoch, in log order', () => {
    const first = claim(1, 1, { claim: 'first' });
    const second = claim(1, 1, { claim: 'second' });
    const comments = [comment([first]), comment([second])];
    // Whatever order the comments arrive in, the log order (ascending ids) decides.
    const state = foldLedger([...comments].reverse(), trusted);
    expect(effectiveClaim(state, 1, now)?.claim).toBe('first');
    expect(state.stats.voidClaims).toBe(1);
    expect(foldLedger([comment([claim(1, 3)])], trusted).stats.voidClaims).toBe(1);
  });

  it('counts attempts and spend, releases and expires claims, and honours leases', () => {
    const state = foldLedger(
      [
        comment([claim(1, 1), claim(2, 1)]),
        comment([
          {
            type: 'release',
            issue: 1,
            claim: 'r1a1-1-e1',
            outcome: 'failed',
            costUsd: 1.25,
            at: '2026-11-26T10:30:00Z',
          },
        ]),
        comment([
          {
            type: 'expire',
            issue: 2,
            claim: 'r1a1-2-e1',
            reason: 'run-finished',
            at: '2026-11-26T10:40:00Z',
          },
        ]),
        comment([
          claim(1, 2, { lease: '2026-11-26T10:59:00Z' }),
          claim(2, 2, { kind: 'conflict' }),
        ]),
        comment([
          {
            type: 'release',
            issue: 2,
            claim: 'unknown',
            outcome: 'abandoned',
            costUsd: 0.75,
            at: '2026-11-25T23:00:00Z',
          },
        ]),
      ],
      trusted,
    );
    expect(state.issues.get(1)).toMatchObject({ epoch: 2, attempts: 2, spendUsd: 1.25 });
    // A conflict resolution is an attempt too: it spends model money.
    expect(state.issues.get(2)).toMatchObject({ epoch: 2, attempts: 2, spendUsd: 0.75 });
    expect(effectiveClaims(state, now).map((c) => c.issue)).toEqual([2]);
    expect(openClaims(state).map((c) => c.issue)).toEqual([1, 2]);
    expect(lockedPaths(state, now)).toEqual(new Map([['src/2.ts', 2]]));
    expect(spendOn(state, '2026-11-26')).toBe(1.25);
    expect(spendOn(state, '2026-11-25')).toBe(0.75);
    expect(state.recent.map((r) => r.outcome)).toEqual([
      'failed',
      'expired (run-finished)',
      'abandoned',
    ]);
  });

  it('continues from a snapshot, even one split into parts', () => {
    const before = foldLedger(
      [
        comment([claim(1, 1), claim(2, 1)]),
        comment([
          {
            type: 'release',
            issue: 2,
            claim: 'r1a1-2-e1',
            outcome: 'merged',
            costUsd: 2,
            at: '2026-11-26T10:30:00Z',
          },
        ]),
      ],
      trusted,
    );
    const parts = snapshotOf(before, 7, '2026-11-26T10:50:00Z', 80);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.slice(1).every((part) => part.continues)).toBe(true);
    const after = foldLedger(
      [
        comment([claim(9, 1)]),
        comment(parts),
        comment([claim(1, 2)]),
        comment([claim(1, 2, { claim: 'late' })]),
      ],
      trusted,
    );
    expect(after.issues.has(9)).toBe(false);
    expect(after.issues.get(1)).toMatchObject({ epoch: 2, attempts: 2 });
    expect(effectiveClaim(after, 1, now)?.claim).toBe('r1a1-1-e2');
    expect(after.stats.voidClaims).toBe(1);
    expect(spendOn(after, '2026-11-26')).toBe(2);
    // Every record survives a rotation; only an active claim keeps its files.
    const whole = snapshotOf(before, 7, '2026-11-26T10:50:00Z');
    expect(Object.keys(whole[0]!.issues).sort()).toEqual(
      Object.keys(Object.fromEntries(before.issues)).sort(),
    );
    expect(
      Object.values(whole[0]!.issues)
        .filter((rec) => !rec.active)
        .every((rec) => rec.lastFiles.length === 0),
    ).toBe(true);
  });
});

describe('dashboard', () => {
  it('shows active claims, locked paths, queue, outcomes and spend', () => {
    const state = foldLedger(
      [
        comment([claim(1, 1)]),
        comment([
          {
            type: 'release',
            issue: 5,
            claim: 'x',
            outcome: 'merged',
            costUsd: 1.5,
            pr: 8,
            at: '2026-11-26T10:30:00Z',
          },
        ]),
      ],
      trusted,
    );
    const body = renderDashboard({
      state,
      now,
      queue: [{ issue: 3, title: 'Next | thing' }],
      dailyBudgetUsd: 25,
    });
    expect(body.startsWith(DASHBOARD_MARKER)).toBe(true);
    expect(body).toContain('| #1 | `r1a1-1-e1` | 1 | issue | 2026-11-26T12:00:00Z | 1 |');
    expect(body).toContain('- `src/1.ts` — #1');
    expect(body).toContain('1. #3 Next   thing');
    expect(body).toContain('| #5 (#8) | `x` | merged |');
    expect(body).toContain('$1.50 of $25.00');
  });
});
