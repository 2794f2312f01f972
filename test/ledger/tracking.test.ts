import { describe, expect, it } from '@jest/globals';
import type { ClaimEntry, LedgerEntry } from '../../src/ledger/entries.js';
import { effectiveClaim, snapshotOf } from '../../src/ledger/fold.js';
import { identityOf, trustOf } from '../../src/ledger/identity.js';
import {
  appendComments,
  applyRepairs,
  LostRace,
  openLedger,
  recoverLedger,
  rereadLedger,
  rotateLedger,
  trackingBody,
  writeOnce,
} from '../../src/ledger/ledger.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import { UncertainWrite } from '../../src/ledger/port.js';
import {
  readTrackingMarker,
  resolveTracking,
  type TrackingCandidate,
} from '../../src/ledger/tracking.js';
import { FakeLedgerPort } from '../support/ledger.js';

const bot = identityOf('github-actions[bot]');
const alice = identityOf('alice');
const trusted = trustOf([bot]);
const settings = { label: 'ai-coordination', writers: [], title: 'AI Scrum Master — coordination' };
const now = new Date('2026-11-26T11:00:00Z');

const candidate = (number: number, extra: Partial<TrackingCandidate> = {}): TrackingCandidate => ({
  number,
  open: true,
  labelled: true,
  author: bot,
  body: '',
  marker: { nonce: `n${number}`, from: null },
  lastEdit: null,
  hasEntries: true,
  deletions: [],
  closed: null,
  unlabelled: null,
  ...extra,
});

const claim = (issue: number, epoch = 1): ClaimEntry => ({
  type: 'claim',
  issue,
  claim: `c-${issue}-e${epoch}-${Math.random().toString(36).slice(2, 6)}`,
  epoch,
  kind: 'issue',
  files: [`src/${issue}.ts`],
  run: 1,
  lease: '2026-11-26T12:00:00Z',
  at: '2026-11-26T10:00:00Z',
});

describe('finding the head of the chain of tracking issues', () => {
  it('has no head before the first write', () => {
    expect(resolveTracking([], trusted)).toEqual({ kind: 'none', repairs: [] });
  });

  it('follows `from` links to the newest issue, and closes finished predecessors', () => {
    const decision = resolveTracking(
      [
        candidate(3),
        candidate(9, { marker: { nonce: 'b', from: 3 } }),
        candidate(20, { marker: { nonce: 'c', from: 9 } }),
      ],
      trusted,
    );
    expect(decision).toMatchObject({ kind: 'head', head: 20, predecessor: 9, chain: [3, 9, 20] });
    expect(decision.kind === 'head' && decision.repairs).toEqual([
      { kind: 'close', issue: 3, head: 20, why: 'continued' },
      { kind: 'close', issue: 9, head: 20, why: 'continued' },
    ]);
  });

  it('reopens and relabels a head someone closed or unlabelled, naming them', () => {
    const change = { by: alice, at: '2026-11-26T09:00:00Z' };
    const decision = resolveTracking(
      [candidate(3, { open: false, labelled: false, closed: change, unlabelled: change })],
      trusted,
    );
    expect(decision).toMatchObject({
      head: 3,
      repairs: [
        { kind: 'reopen', issue: 3, change },
        { kind: 'relabel', issue: 3, change },
      ],
    });
  });

  it('never takes an issue outside the chain, whatever its labels or author', () => {
    const decision = resolveTracking(
      [
        candidate(3),
        candidate(4, { marker: null }),
        candidate(5, { author: { login: 'github-actions', bot: false } }),
      ],
      trusted,
    );
    expect(decision).toMatchObject({ kind: 'head', head: 3, repairs: [] });
  });

  it('closes an empty second issue in favour of the live one', () => {
    expect(
      resolveTracking([candidate(3, { hasEntries: false }), candidate(4)], trusted),
    ).toMatchObject({ head: 4, repairs: [{ kind: 'close', issue: 3, head: 4, why: 'empty' }] });
    expect(
      resolveTracking(
        [candidate(3), candidate(4, { marker: { nonce: 'x', from: 3 }, hasEntries: false })],
        trusted,
      ),
    ).toMatchObject({ head: 3, repairs: [{ kind: 'close', issue: 4, head: 3, why: 'empty' }] });
  });

  it('fails closed on two live heads, naming both', () => {
    expect(resolveTracking([candidate(3), candidate(4)], trusted)).toEqual({
      kind: 'tampered',
      tampering: [{ kind: 'two-heads', issues: [3, 4] }],
    });
  });

  it('does not believe an abandoned or superseding mark someone else wrote', () => {
    const lastEdit = { by: alice, at: '2026-11-26T09:00:00Z' };
    for (const marker of [
      { nonce: 'a', from: null, abandoned: true as const },
      { nonce: 'a', from: null, supersedes: [3] },
    ])
      expect(resolveTracking([candidate(3, { marker, lastEdit })], trusted)).toMatchObject({
        kind: 'tampered',
        tampering: [{ kind: 'body-edited', issue: 3 }],
      });
  });

  it('fails closed on an issue holding entries that no chain reaches', () => {
    expect(
      resolveTracking([candidate(3), candidate(5, { marker: { nonce: 'x', from: 4 } })], trusted),
    ).toMatchObject({ kind: 'tampered', tampering: [{ kind: 'broken-link', issue: 5, from: 4 }] });
  });

  it('fails closed when someone else rewrote a tracking issue’s description', () => {
    const lastEdit = { by: alice, at: '2026-11-26T09:00:00Z' };
    expect(resolveTracking([candidate(3, { lastEdit })], trusted)).toEqual({
      kind: 'tampered',
      tampering: [{ kind: 'body-edited', issue: 3, ...lastEdit }],
    });
  });
});

describe('reading and appending through the port', () => {
  const dashboard = 'dashboard';

  it('opens the tracking issue once, even when GitHub loses the answer', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    port.loseAnswers = 1;
    await appendComments(port, ledger, settings, [encodeEntries([claim(1)])], dashboard);
    expect(port.issues).toHaveLength(1);
    expect(port.issue(1).comments).toHaveLength(1);
    const again = await openLedger(port, settings);
    expect(effectiveClaim(again.state, 1, now)).toBeDefined();
  });

  it('appends a comment once when its answer is lost, and goes on from it', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    await appendComments(port, ledger, settings, [encodeEntries([claim(1)])], dashboard);
    port.loseAnswers = 1;
    await appendComments(port, ledger, settings, [encodeEntries([claim(2)])], dashboard);
    await appendComments(port, ledger, settings, [encodeEntries([claim(3)])], dashboard);
    expect(port.issue(1).comments).toHaveLength(3);
    const again = await openLedger(port, settings);
    expect(again.tampering).toEqual([]);
    expect([...again.state.issues.keys()]).toEqual([1, 2, 3]);
  });

  it('gives up after repeated lost answers that never applied', async () => {
    let calls = 0;
    await expect(
      writeOnce(
        async () => {
          calls++;
          throw new UncertainWrite('502');
        },
        async () => null,
      ),
    ).rejects.toThrow('502');
    expect(calls).toBe(3);
  });

  it('voids the later of two racing appends: its claims never hold', async () => {
    const port = new FakeLedgerPort();
    const first = await openLedger(port, settings);
    await appendComments(port, first, settings, [encodeEntries([claim(1)])], dashboard);
    const a = await openLedger(port, settings);
    const b = await openLedger(port, settings);
    const mine = claim(2);
    const theirs = claim(2);
    await appendComments(port, a, settings, [encodeEntries([mine])], dashboard);
    await appendComments(port, b, settings, [encodeEntries([theirs])], dashboard);
    const after = await rereadLedger(port, b);
    expect(after.tampering).toEqual([]);
    expect(after.log!.voided).toHaveLength(1);
    expect(effectiveClaim(after.state, 2, now)?.claim).toBe(mine.claim);
  });

  it('rolls an interrupted rotation forward: the new issue counts only with its whole snapshot', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    const entries: LedgerEntry[] = Array.from({ length: 30 }, (_, i) => claim(i + 1));
    await appendComments(port, ledger, settings, [encodeEntries(entries)], dashboard);
    const full = await openLedger(port, settings);
    // A snapshot in many parts; the run dies after writing the first.
    const snapshot = snapshotOf(full.state, 1, '2026-11-26T10:30:00Z', 500);
    expect(snapshot.length).toBeGreaterThan(2);
    let written = 0;
    const post = port.postComment.bind(port);
    port.postComment = async (issue, body) => {
      if (++written > 1) throw new Error('killed');
      return post(issue, body);
    };
    const encode = (parts: readonly LedgerEntry[]) => parts.map((p) => encodeEntries([p]));
    await expect(
      rotateLedger(port, full, settings, snapshot, encode, () => dashboard),
    ).rejects.toThrow('killed');
    port.postComment = post;

    const next = await openLedger(port, settings);
    expect(next.head?.number).toBe(1);
    expect(next.repairs).toEqual([{ kind: 'close', issue: 2, head: 1, why: 'empty' }]);
    expect(next.state.issues.size).toBe(30);
    await applyRepairs(port, next, settings);
    expect(port.issue(2).open).toBe(false);
    expect(readTrackingMarker(port.issue(2).body)?.abandoned).toBe(true);

    // The next rotation completes, and the chain runs 1 → 3.
    await rotateLedger(port, next, settings, snapshot, encode, () => dashboard);
    const rotated = await openLedger(port, settings);
    expect(rotated).toMatchObject({ tampering: [], predecessor: 1, head: { number: 3 } });
    expect(rotated.state.issues.size).toBe(30);
    expect(port.issue(1).open).toBe(false);
  });

  it('sets aside a first tracking issue opened at the same moment as another run’s', async () => {
    const port = new FakeLedgerPort();
    const a = await openLedger(port, settings);
    const b = await openLedger(port, settings);
    await appendComments(port, a, settings, [encodeEntries([claim(1)])], dashboard);
    await expect(
      appendComments(port, b, settings, [encodeEntries([claim(1)])], dashboard),
    ).rejects.toThrow(LostRace);
    expect(port.issue(2)).toMatchObject({ open: false, comments: [] });
    const after = await openLedger(port, settings);
    expect(after).toMatchObject({ tampering: [], head: { number: 1 } });
    expect(after.repairs).toEqual([]);
  });

  it('notices the last comments deleted, from the chain length kept in the marker', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    await appendComments(port, ledger, settings, [encodeEntries([claim(1)])], dashboard);
    await appendComments(port, ledger, settings, [encodeEntries([claim(2)])], dashboard);
    const marker = readTrackingMarker(port.issue(1).body)!;
    port.issue(1).body = trackingBody(dashboard, { ...marker, seq: 2 });
    port.issue(1).comments.pop();
    expect((await openLedger(port, settings)).tampering).toEqual([
      { kind: 'truncated', issue: 1, expected: 2, found: 1 },
    ]);
  });

  it('lets only one of two runs rotating at the same time continue the ledger', async () => {
    const port = new FakeLedgerPort();
    const first = await openLedger(port, settings);
    await appendComments(port, first, settings, [encodeEntries([claim(1)])], dashboard);
    const a = await openLedger(port, settings);
    const b = await openLedger(port, settings);
    const encode = (parts: readonly LedgerEntry[]) => [encodeEntries(parts)];
    const snapshot = snapshotOf(a.state, 1, '2026-11-26T10:30:00Z');
    await rotateLedger(port, a, settings, snapshot, encode, () => dashboard);
    await expect(
      rotateLedger(port, b, settings, snapshot, encode, () => dashboard),
    ).rejects.toThrow(LostRace);
    expect(port.issue(3)).toMatchObject({ open: false, comments: [] });
    expect(readTrackingMarker(port.issue(3).body)?.abandoned).toBe(true);
    const after = await openLedger(port, settings);
    expect(after).toMatchObject({ tampering: [], head: { number: 2 }, predecessor: 1 });
  });

  it('does not roll back to the predecessor when someone empties the current tracking issue', async () => {
    const port = new FakeLedgerPort();
    const first = await openLedger(port, settings);
    await appendComments(port, first, settings, [encodeEntries([claim(1)])], dashboard);
    const encode = (parts: readonly LedgerEntry[]) => [encodeEntries(parts)];
    const opened = await openLedger(port, settings);
    await rotateLedger(
      port,
      opened,
      settings,
      snapshotOf(opened.state, 1, '2026-11-26T10:30:00Z'),
      encode,
      () => dashboard,
    );
    for (const comment of [...port.issue(2).comments]) port.deleteComment(2, comment.id, alice);
    expect((await openLedger(port, settings)).tampering).toEqual([
      expect.objectContaining({ kind: 'deleted', issue: 2, by: alice }),
    ]);
  });

  it('stops on a hand-edited description of the tracking issue', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    await appendComments(port, ledger, settings, [encodeEntries([claim(1)])], dashboard);
    port.issue(1).body = trackingBody('mine now', { nonce: 'x', from: null });
    port.issue(1).lastEdit = { by: alice, at: '2026-11-26T10:40:00Z' };
    expect((await openLedger(port, settings)).tampering).toEqual([
      { kind: 'body-edited', issue: 1, by: alice, at: '2026-11-26T10:40:00Z' },
    ]);
  });

  it('recovers a tampered ledger from its unchanged comments and the branches on GitHub', async () => {
    const port = new FakeLedgerPort();
    const ledger = await openLedger(port, settings);
    const spent = {
      type: 'release' as const,
      issue: 1,
      claim: 'c1',
      outcome: 'pr-opened' as const,
      costUsd: 2,
      at: '2026-11-26T10:10:00Z',
    };
    await appendComments(port, ledger, settings, [encodeEntries([claim(1)])], dashboard);
    await appendComments(port, ledger, settings, [encodeEntries([claim(2)])], dashboard);
    await appendComments(port, ledger, settings, [encodeEntries([spent])], dashboard);
    // A writer empties the claim on #2; its worker's branch still says epoch 1.
    port.issue(1).comments[1]!.edited = { by: alice, at: '2026-11-26T10:20:00Z' };
    port.evidenceFound = [
      { issue: 2, branch: 'ai-feature/issue-2', claim: 'c2', epoch: 1, pull: null },
    ];
    const tampered = await openLedger(port, settings);
    expect(tampered.tampering).toEqual([expect.objectContaining({ kind: 'edited' })]);

    const time = { at: '2026-11-26T10:30:00Z', lease: '2026-11-26T12:30:00Z', fallback: ['**'] };
    const encode = (parts: readonly LedgerEntry[]) => [encodeEntries(parts)];
    const recovery = await recoverLedger(port, tampered, settings, time, encode, dashboard);
    expect(recovery).toMatchObject({ issue: 2, superseded: [1] });
    expect(port.issue(1).open).toBe(false);
    expect(readTrackingMarker(port.issue(1).body)?.abandoned).toBe(true);

    const recovered = await openLedger(port, settings);
    expect(recovered).toMatchObject({ tampering: [], head: { number: 2 }, predecessor: null });
    expect(recovered.state.issues.get(1)).toMatchObject({ epoch: 1, attempts: 1, spendUsd: 2 });
    // The lost claim stays locked under a fresh lease, and the next claim fences above it.
    // Its files are unknown: it locks what an issue that names no file locks.
    expect(effectiveClaim(recovered.state, 2, now)).toMatchObject({
      claim: 'c2',
      epoch: 1,
      files: ['**'],
    });
    expect(recovered.state.issues.get(2)).toMatchObject({ epoch: 1, attempts: 1 });
  });
});
