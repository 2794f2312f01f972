import { describe, expect, it } from '@jest/globals';
import {
  chainedBody,
  describeTampering,
  genesis,
  readLink,
  sha256,
  verifyLog,
  type LogComment,
} from '../../src/ledger/chain.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { ClaimEntry } from '../../src/ledger/entries.js';
import { foldLedger } from '../../src/ledger/fold.js';
import { identityOf, trustOf } from '../../src/ledger/identity.js';
import { chained } from '../support/ledger.js';

const bot = identityOf('github-actions[bot]');
const alice = identityOf('alice');
const mallory = identityOf('mallory');
const trusted = trustOf([bot]);

const claim = (issue: number, epoch = 1): ClaimEntry => ({
  type: 'claim',
  issue,
  claim: `r1a1-x-${issue}-e${epoch}`,
  epoch,
  kind: 'issue',
  files: [`src/${issue}.ts`],
  run: 1,
  lease: '2026-11-26T12:00:00Z',
  at: '2026-11-26T10:00:00Z',
});

const comments = (bodies: string[], author = bot): LogComment[] =>
  bodies.map((body, i) => ({
    id: i + 1,
    author,
    body,
    createdAt: `2026-11-26T10:00:0${i}Z`,
    edited: null,
  }));

const log = (n: number) =>
  chained(
    7,
    Array.from({ length: n }, (_, i) => [claim(i + 1)]),
  ).bodies;

describe('the chain of ledger comments', () => {
  it('accepts comments that each link to the one before', () => {
    const result = verifyLog(7, comments(log(3)), trusted, genesis(7));
    expect(result.tampering).toEqual([]);
    expect(result.accepted.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(result.head.seq).toBe(3);
    expect(readLink(log(3)[2]!)).toMatchObject({ seq: 3, prev: sha256(log(3)[1]!) });
  });

  it('names who edited a ledger comment, and when', () => {
    const list = comments(log(3));
    list[1]!.edited = { by: alice, at: '2026-11-26T11:00:00Z' };
    const result = verifyLog(7, list, trusted, genesis(7));
    expect(result.tampering).toEqual([
      { kind: 'edited', issue: 7, comment: 2, by: alice, at: '2026-11-26T11:00:00Z' },
    ]);
    // A recovery keeps the unchanged comments on both sides of the edited one.
    expect(result.accepted.map((c) => c.id)).toEqual([1]);
    expect(result.salvaged.map((c) => c.id)).toEqual([1, 3]);
    expect(describeTampering(result.tampering[0]!)).toBe(
      'ledger comment 2 on #7 was edited by alice at 2026-11-26T11:00:00Z',
    );
  });

  it('keeps an edited comment’s first revision for a recovery when it holds its place', () => {
    const bodies = log(3);
    const list = comments(bodies);
    const forged = bodies[1]!.replace('"issue":2', '"issue":99');
    list[1] = {
      ...list[1]!,
      body: forged,
      edited: { by: alice, at: '2026-11-26T11:00:00Z', original: bodies[1]! },
    };
    const result = verifyLog(7, list, trusted, genesis(7));
    expect(result.tampering).toEqual([expect.objectContaining({ kind: 'edited', comment: 2 })]);
    expect(result.salvaged.map((c) => c.body)).toEqual(bodies);
    // A "first revision" that does not chain is not believed.
    list[1] = { ...list[1]!, edited: { by: alice, at: 'x', original: forged } };
    expect(verifyLog(7, list, trusted, genesis(7)).salvaged.map((c) => c.id)).toEqual([1, 3]);
  });

  it('detects a deleted comment as a gap, whatever the timeline says', () => {
    const list = comments(log(3)).filter((c) => c.id !== 2);
    const result = verifyLog(7, list, trusted, genesis(7));
    expect(result.tampering).toEqual([
      expect.objectContaining({ kind: 'gap', comment: 3, expected: 2, found: 3 }),
    ]);
    expect(result.accepted.map((c) => c.id)).toEqual([1]);
    expect(result.salvaged.map((c) => c.id)).toEqual([1, 3]);
  });

  it('detects a deleted last comment through the timeline', () => {
    const list = comments(log(3)).filter((c) => c.id !== 3);
    const result = verifyLog(7, list, trusted, genesis(7), [
      { by: alice, at: '2026-11-26T11:00:00Z', author: bot },
      // Deleting someone else's forged comment is housekeeping, not tampering.
      { by: alice, at: '2026-11-26T11:00:00Z', author: mallory },
    ]);
    expect(result.tampering).toEqual([
      { kind: 'deleted', issue: 7, by: alice, at: '2026-11-26T11:00:00Z', author: bot },
    ]);
  });

  it('voids the same write applied twice, and detects a comment out of order', () => {
    const bodies = log(3);
    // A write whose answer was lost and which GitHub applied after the read-back: no double count.
    const twice = verifyLog(7, comments([...bodies, bodies[2]!]), trusted, genesis(7));
    expect(twice).toMatchObject({ tampering: [], voided: [{ id: 4 }] });
    expect(twice.accepted.map((c) => c.id)).toEqual([1, 2, 3]);
    // A comment taking an earlier place in the chain, linked to nothing that held it.
    const stray = chainedBody(
      { seq: 1, hash: sha256('another comment') },
      'late',
      encodeEntries([claim(9)]),
    );
    expect(verifyLog(7, comments([...bodies, stray]), trusted, genesis(7)).tampering).toEqual([
      expect.objectContaining({ kind: 'out-of-order', comment: 4, seq: 2 }),
    ]);
  });

  it('voids the later of two appends racing for one place, and what chains to it', () => {
    const [first] = log(1);
    const rival = chainedBody(genesis(7), 'rival', encodeEntries([claim(1)]));
    const afterRival = chainedBody(
      { seq: 1, hash: sha256(rival) },
      'r2',
      encodeEntries([claim(2)]),
    );
    const afterFirst = chainedBody(
      { seq: 1, hash: sha256(first!) },
      'f2',
      encodeEntries([claim(3)]),
    );
    const result = verifyLog(
      7,
      comments([first!, rival, afterRival, afterFirst]),
      trusted,
      genesis(7),
    );
    expect(result.tampering).toEqual([]);
    expect(result.accepted.map((c) => c.id)).toEqual([1, 4]);
    expect(result.voided.map((c) => c.id)).toEqual([2, 3]);
    const state = foldLedger(result.accepted, trusted);
    expect([...state.issues.keys()].sort()).toEqual([1, 3]);
  });

  it('ignores forged comments by others and remarks by trusted writers', () => {
    const bodies = log(2);
    const list = [
      ...comments([bodies[0]!]),
      { id: 2, author: mallory, body: bodies[1]!, createdAt: 'x', edited: null },
      { id: 3, author: bot, body: 'Thanks, all good here.', createdAt: 'x', edited: null },
    ];
    const result = verifyLog(7, list, trusted, genesis(7));
    expect(result).toMatchObject({ tampering: [], untrusted: 1, remarks: 1 });
    expect(result.accepted.map((c) => c.id)).toEqual([1]);
  });

  it('refuses trusted ledger entries that are outside the chain', () => {
    const list = comments([encodeEntries([claim(1)])]);
    expect(verifyLog(7, list, trusted, genesis(7)).tampering).toEqual([
      expect.objectContaining({ kind: 'unchained', comment: 1 }),
    ]);
  });

  it('trusts an app, not a user who shares its login', () => {
    const impostor = { login: 'github-actions', bot: false };
    const result = verifyLog(7, comments(log(1), impostor), trusted, genesis(7));
    expect(result).toMatchObject({ untrusted: 1, accepted: [] });
  });
});
