import type { LedgerState } from '../ledger/fold.js';
import type { ClaimMark } from '../ledger/trailers.js';
import type { Fencing } from './rules.js';

/**
 * Where a pull request's claim stands in the ledger. It may merge only while its claim is the
 * issue's effective one (open, within its lease), or the one that completed the issue (released
 * with its pull request opened or merged) and no newer claim followed: a worker that lost its
 * lease, or whose issue was claimed again, can never merge stale work.
 */
export function fencingOf(
  marks: { body: ClaimMark | null; head: ClaimMark | null },
  state: LedgerState,
  issue: number,
  now: Date,
): Fencing {
  // The commits vouch for the work; the body's marker is only checked against them.
  const mark = marks.head;
  if (!mark) return { kind: 'unmarked' };
  const stale = (why: string): Fencing => ({ kind: 'stale', ...mark, why });
  // The body and the head commit are written together; disagreeing, one was changed by hand.
  if (marks.body && (mark.claim !== marks.body.claim || mark.epoch !== marks.body.epoch))
    return stale(
      `the body names claim ${marks.body.claim} epoch ${marks.body.epoch}, the head commit another`,
    );
  const record = state.issues.get(issue);
  if (!record) return stale(`the ledger has no claim on #${issue}`);
  if (record.epoch !== mark.epoch)
    return stale(`the ledger is at epoch ${record.epoch} for #${issue}`);
  const active = record.active;
  if (active) {
    if (active.claim !== mark.claim) return stale(`claim ${active.claim} holds #${issue}`);
    if (Date.parse(active.lease) <= now.getTime()) return stale(`its lease ended ${active.lease}`);
    return { kind: 'current', ...mark, how: 'effective' };
  }
  const released = record.released;
  if (
    released?.claim === mark.claim &&
    (released.outcome === 'pr-opened' || released.outcome === 'merged')
  )
    return { kind: 'current', ...mark, how: 'completing' };
  return stale(
    released?.claim === mark.claim
      ? `it was released as ${released.outcome}`
      : 'it expired without a release',
  );
}
