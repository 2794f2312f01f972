import { newRecord, type LedgerState } from './fold.js';
import type { WorkEvidence } from './port.js';

/**
 * The state a recovery starts the ledger from: the unchanged comments of the tampered log, raised
 * by the work GitHub still shows. A branch whose claim trailer names a later epoch than the log
 * knows proves claims the log lost: each was an attempt, the next claim must fence above it, and
 * its worker may still run, so the issue stays claimed until a fresh lease passes.
 */
/** The most claims a branch may show beyond what the ledger knew. */
export const MAX_EPOCH_JUMP = 100;

export function recoveredState(
  kept: LedgerState,
  evidence: readonly WorkEvidence[],
  time: { at: string; lease: string; fallback: readonly string[] },
): LedgerState {
  const state: LedgerState = {
    ...kept,
    issues: new Map([...kept.issues].map(([issue, rec]) => [issue, structuredClone(rec)])),
    spendByDay: new Map(kept.spendByDay),
    recent: [...kept.recent],
  };
  for (const work of evidence) {
    const rec = state.issues.get(work.issue) ?? newRecord();
    // A branch without a readable epoch still shows one attempt at least. Anyone who can push
    // can write a trailer, so an epoch is believed only within reason.
    const epoch = Math.min(Math.max(work.epoch ?? 1, 1), rec.epoch + MAX_EPOCH_JUMP);
    if (epoch > rec.epoch) {
      rec.attempts += epoch - rec.epoch;
      rec.epoch = epoch;
      rec.active = {
        type: 'claim',
        issue: work.issue,
        claim: work.claim ?? `recovered-${work.issue}-e${epoch}`,
        epoch,
        kind: work.pull === null ? 'issue' : 'conflict',
        // Without the files it last claimed, it locks what an issue that names none locks.
        files: rec.lastFiles.length > 0 ? [...rec.lastFiles] : [...time.fallback],
        run: 0,
        lease: time.lease,
        at: time.at,
      };
    }
    state.issues.set(work.issue, rec);
  }
  return state;
}
