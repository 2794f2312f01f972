import { describe, expect, it } from '@jest/globals';
import { decodeEntries, encodeEntries } from '../../src/ledger/codec.js';
import type { CheckpointEntry, ClaimEntry, LedgerEntry } from '../../src/ledger/entries.js';
import { foldLedger, snapshotOf, type LedgerComment } from '../../src/ledger/fold.js';
import { identityOf, sameIdentity } from '../../src/ledger/identity.js';

const bot = identityOf('github-actions[bot]');
const trusted = (who: Parameters<typeof sameIdentity>[0]) => sameIdentity(who, bot);
const at = '2026-11-26T10:00:00Z';

const claim = (issue: number, epoch: number): ClaimEntry => ({
  type: 'claim',
  issue,
  claim: `c${issue}-e${epoch}`,
  epoch,
  kind: 'issue',
  files: [],
  run: 1,
  lease: '2026-11-26T12:00:00Z',
  at,
});

const checkpoint = (
  issue: number,
  epoch: number,
  spendUsd: number,
  round = 1,
): CheckpointEntry => ({
  type: 'checkpoint',
  issue,
  claim: `c${issue}-e${epoch}`,
  epoch,
  phase: 'developing',
  round,
  commit: 'a'.repeat(40),
  spendUsd,
  note: {
    story: { title: 'Cart', story: 'As a shopper…', acceptanceCriteria: ['sums quantities'] },
    done: 'round 1: total() sums quantities',
    qa: 'QA passed --> <!-- not a marker -->',
  },
  at,
});

const release = (issue: number, epoch: number, costUsd: number): LedgerEntry => ({
  type: 'release',
  issue,
  claim: `c${issue}-e${epoch}`,
  outcome: 'failed',
  costUsd,
  at,
});

const fold = (entries: LedgerEntry[]) =>
  foldLedger(
    entries.map((entry, i): LedgerComment => ({
      id: i + 1,
      author: bot,
      body: encodeEntries([entry]),
      createdAt: at,
    })),
    trusted,
  );

describe('checkpoints in the ledger', () => {
  it('round-trips through the codec, hostile note text included', () => {
    const entry = checkpoint(1, 1, 0.25);
    const body = encodeEntries([entry]);
    expect(body).toContain('📍 checkpoint #1');
    expect(body.match(/-->/g)).toHaveLength(1);
    expect(decodeEntries(body).entries).toEqual([entry]);
  });

  it("counts an attempt's spend once: checkpoints and the release add only what is new", () => {
    const state = fold([
      claim(1, 1),
      checkpoint(1, 1, 0.4),
      checkpoint(1, 1, 0.9, 2),
      release(1, 1, 1.5),
    ]);
    expect(state.issues.get(1)!.spendUsd).toBeCloseTo(1.5);
    expect(state.spendByDay.get('2026-11-26')).toBeCloseTo(1.5);
    // The release's own figure joins the history admission estimates from.
    expect(state.costs.at(-1)!.usd).toBeCloseTo(1.5);
  });

  it('never takes spend back: a smaller release after a checkpoint adds nothing', () => {
    const state = fold([claim(1, 1), checkpoint(1, 1, 0.9), release(1, 1, 0.5)]);
    expect(state.issues.get(1)!.spendUsd).toBeCloseTo(0.9);
  });

  it('keeps the resume point of a killed attempt for the next claim, whose spend adds to it', () => {
    const state = fold([
      claim(1, 1),
      checkpoint(1, 1, 0.7),
      { type: 'expire', issue: 1, claim: 'c1-e1', reason: 'run-finished', at },
      claim(1, 2),
      release(1, 2, 0.3),
    ]);
    const rec = state.issues.get(1)!;
    expect(rec.checkpoint).toMatchObject({ claim: 'c1-e1', spendUsd: 0.7, round: 1 });
    expect(rec.spendUsd).toBeCloseTo(1.0);
  });

  it("counts a stale worker's checkpoint as money spent, but does not let it move the resume point", () => {
    const state = fold([
      claim(1, 1),
      { type: 'expire', issue: 1, claim: 'c1-e1', reason: 'lease-passed', at },
      claim(1, 2),
      checkpoint(1, 2, 0.2),
      checkpoint(1, 1, 0.5),
    ]);
    const rec = state.issues.get(1)!;
    expect(rec.checkpoint!.claim).toBe('c1-e2');
    expect(rec.spendUsd).toBeCloseTo(0.7);
  });

  it('forgets the resume point once the work merged or was split into sub-issues', () => {
    for (const outcome of ['merged', 'decomposed'] as const) {
      const state = fold([
        claim(1, 1),
        checkpoint(1, 1, 0.4),
        { ...(release(1, 1, 0.4) as Extract<LedgerEntry, { type: 'release' }>), outcome },
      ]);
      expect(state.issues.get(1)!.checkpoint).toBeUndefined();
      expect(state.issues.get(1)!.spendUsd).toBeCloseTo(0.4);
    }
  });

  it('carries the resume point through a rotation snapshot', () => {
    const state = fold([claim(1, 1), checkpoint(1, 1, 0.4)]);
    const snapshot = snapshotOf(state, 7, at);
    const again = fold(snapshot);
    expect(again.issues.get(1)!.checkpoint).toEqual(state.issues.get(1)!.checkpoint);
    expect(again.issues.get(1)!.spendUsd).toBeCloseTo(0.4);
  });

  it('counts every claim once, at its largest running total, over random sequences', async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 50; trial++) {
      const entries: LedgerEntry[] = [];
      const epochs = new Map<number, number>();
      /** The largest total each claim reported, by issue: what the ledger must have counted. */
      const largest = new Map<number, Map<string, number>>();
      const report = (issue: number, id: string, usd: number) => {
        const claims = largest.get(issue) ?? new Map<string, number>();
        claims.set(id, Math.max(claims.get(id) ?? 0, usd));
        largest.set(issue, claims);
      };
      let previous = 0;
      for (let step = 0; step < 40; step++) {
        const issue = 1 + Math.floor(random() * 3);
        const epoch = epochs.get(issue) ?? 0;
        const roll = random();
        const id = `c${issue}-e${epoch}`;
        if (roll < 0.25 || epoch === 0) {
          entries.push(claim(issue, epoch + 1));
          epochs.set(issue, epoch + 1);
        } else if (roll < 0.6) {
          // Any claim of the issue, stale ones too, reports a running total.
          const old = `c${issue}-e${1 + Math.floor(random() * epoch)}`;
          const usd = (largest.get(issue)?.get(old) ?? 0) + Math.round(random() * 100) / 100;
          entries.push({ ...checkpoint(issue, Number(old.split('-e')[1]), usd), claim: old });
          report(issue, old, usd);
        } else if (roll < 0.8) {
          const usd = Math.round(random() * 200) / 100;
          entries.push(release(issue, epoch, usd));
          report(issue, id, usd);
        } else {
          entries.push({ type: 'expire', issue, claim: id, reason: 'lease-passed', at });
        }
        const state = fold(entries);
        const total = [...state.issues.values()].reduce((sum, rec) => sum + rec.spendUsd, 0);
        expect(total).toBeGreaterThanOrEqual(previous - 1e-9);
        previous = total;
        for (const [number, claims] of largest) {
          const expected = [...claims.values()].reduce((sum, usd) => sum + usd, 0);
          expect(state.issues.get(number)!.spendUsd).toBeCloseTo(expected, 9);
        }
        const day = [...state.spendByDay.values()].reduce((sum, usd) => sum + usd, 0);
        expect(day).toBeCloseTo(total, 9);
      }
    }
  });

  it('counts a killed claim and the next one apart: a stale checkpoint after a newer claim is not counted twice', () => {
    const state = fold([
      claim(1, 1),
      checkpoint(1, 1, 3),
      { type: 'expire', issue: 1, claim: 'c1-e1', reason: 'run-finished', at },
      claim(1, 2),
      checkpoint(1, 2, 1),
      { ...checkpoint(1, 1, 3.5), phase: 'stopped' },
      release(1, 1, 3.5),
    ]);
    expect(state.issues.get(1)!.spendUsd).toBeCloseTo(4.5);
  });
});

describe('a release from a claim the issue has moved past', () => {
  const stale = (costUsd: number): LedgerEntry => ({
    type: 'release',
    issue: 7,
    claim: 'c7-e1',
    epoch: 1,
    outcome: 'failed',
    costUsd,
    at,
  });

  it('counts its money and leaves the later claim, its release and its checkpoint alone', () => {
    const later = { ...release(7, 2, 0.5), outcome: 'pr-opened' as const, pr: 30 };
    const state = fold([claim(7, 1), claim(7, 2), checkpoint(7, 2, 0.25), later, stale(0.75)]);
    const rec = state.issues.get(7)!;
    expect(rec.released).toMatchObject({ claim: 'c7-e2', outcome: 'pr-opened', pr: 30 });
    expect(rec.checkpoint?.claim).toBe('c7-e2');
    expect(rec.spendUsd).toBeCloseTo(0.5 + 0.75);
  });

  it('does not end the claim that holds the issue', () => {
    const rec = fold([claim(7, 1), claim(7, 2), stale(0.1)]).issues.get(7)!;
    expect(rec.active?.claim).toBe('c7-e2');
    expect(rec.released).toBeUndefined();
  });

  it('still ends its own claim when it is the latest', () => {
    const rec = fold([claim(7, 1), stale(0.1)]).issues.get(7)!;
    expect(rec.active).toBeUndefined();
    expect(rec.released).toMatchObject({ claim: 'c7-e1', outcome: 'failed' });
  });
});

describe('a release written after its own lease passed', () => {
  const late = (outcome: 'pr-opened' | 'merged'): LedgerEntry => ({
    type: 'release',
    issue: 7,
    claim: 'c7-e1',
    epoch: 1,
    outcome,
    costUsd: 0.4,
    // claim() leases until 12:00.
    at: '2026-11-26T12:30:00Z',
  });

  it('counts its money and leaves the claim for dispatch to expire', () => {
    const rec = fold([claim(7, 1), late('pr-opened')]).issues.get(7)!;
    expect(rec.active?.claim).toBe('c7-e1');
    expect(rec.released).toBeUndefined();
    expect(rec.spendUsd).toBeCloseTo(0.4);
  });

  it('still records a merge: that is a fact whatever the lease', () => {
    const rec = fold([claim(7, 1), late('merged')]).issues.get(7)!;
    expect(rec.active).toBeUndefined();
    expect(rec.released).toMatchObject({ claim: 'c7-e1', outcome: 'merged' });
  });
});
