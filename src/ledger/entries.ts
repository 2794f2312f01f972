import { z } from 'zod';

/**
 * The ledger's entries, version 1. Each is JSON inside an HTML comment of a tracking-issue
 * comment, beside a line for people. Anything that does not parse as one of these is skipped.
 */

export const LEDGER_VERSION = 1;

const isoDate = z.iso.datetime({ offset: true });
const issueNumber = z.number().int().positive();
export const claimId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);

/** `decomposed`: the issue was split into sub-issues, which carry the work from here. */
export const OUTCOMES = [
  'pr-opened',
  'merged',
  'failed',
  'abandoned',
  'rejected',
  'decomposed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const claimEntry = z.strictObject({
  type: z.literal('claim'),
  issue: issueNumber,
  claim: claimId,
  epoch: z.number().int().positive(),
  kind: z.enum(['issue', 'conflict']),
  files: z.array(z.string().max(500)).max(1000),
  /** The Actions run that holds the claim (its worker jobs run in it). */
  run: z.number().int().nonnegative(),
  lease: isoDate,
  at: isoDate,
  pr: issueNumber.optional(),
  /** The issue's complexity label when claimed: its cost joins that label's history. */
  complexity: z.string().max(100).optional(),
});

export const releaseEntry = z.strictObject({
  type: z.literal('release'),
  issue: issueNumber,
  claim: claimId,
  /** The released claim's epoch: a release from an older claim than the issue's last changes nothing but the spend. */
  epoch: z.number().int().positive().optional(),
  outcome: z.enum(OUTCOMES),
  costUsd: z.number().min(0).max(1_000_000),
  reason: z.string().max(500).optional(),
  pr: issueNumber.optional(),
  at: isoDate,
});

export const expireEntry = z.strictObject({
  type: z.literal('expire'),
  issue: issueNumber,
  claim: claimId,
  reason: z.enum(['lease-passed', 'run-finished']),
  at: isoDate,
});

/** Dispatch labelled the issue failed: it used all its attempts. */
export const exhaustedEntry = z.strictObject({
  type: z.literal('exhausted'),
  issue: issueNumber,
  attempts: z.number().int().nonnegative(),
  at: isoDate,
});

/**
 * A writer asked for another round (removed the failed label, applied the ready label again):
 * attempts and the issue's spend count again from here. The totals never go down.
 */
export const retryEntry = z.strictObject({
  type: z.literal('retry'),
  issue: issueNumber,
  at: isoDate,
});

/** What the next attempt needs to go on from a checkpoint: the story and where the work stands. */
const resumeNote = z.strictObject({
  story: z.strictObject({
    title: z.string().max(200),
    story: z.string().max(3000),
    acceptanceCriteria: z.array(z.string().max(600)).max(15),
  }),
  /** What the rounds so far did, in a few lines. */
  done: z.string().max(2000),
  /** The last QA result, in one line. */
  qa: z.string().max(1000),
});

export const CHECKPOINT_PHASES = [
  'developing',
  'approved',
  'deadline',
  'budget',
  'stopped',
] as const;

/**
 * A worker pushed its work so far: the commit on `ai-feature/issue-N`, what the attempt has spent
 * until now (its running total, so a later checkpoint or the release adds only the difference),
 * and the note the next attempt resumes from.
 */
export const checkpointEntry = z.strictObject({
  type: z.literal('checkpoint'),
  issue: issueNumber,
  claim: claimId,
  epoch: z.number().int().positive(),
  phase: z.enum(CHECKPOINT_PHASES),
  /** Rounds finished so far, this attempt's and earlier attempts' together. */
  round: z.number().int().nonnegative().max(1000),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  spendUsd: z.number().min(0).max(1_000_000),
  note: resumeNote,
  at: isoDate,
});

const issueRecord = z.strictObject({
  epoch: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  spendUsd: z.number().min(0).default(0),
  lastFiles: z.array(z.string()).max(1000).default([]),
  active: claimEntry.optional(),
  complexity: z.string().max(100).optional(),
  /** Attempts and spend before the last retry: the limits apply to what came after. */
  attemptsBefore: z.number().int().nonnegative().default(0),
  spendBefore: z.number().min(0).default(0),
  /** When dispatch labelled it failed, until a retry. */
  exhaustedAt: isoDate.optional(),
  /** The latest release: a pull request whose claim completed may still merge (fencing). */
  released: z
    .strictObject({
      claim: claimId,
      outcome: z.enum(OUTCOMES),
      pr: issueNumber.optional(),
      at: isoDate,
    })
    .optional(),
  /** The latest checkpoint written under the claim then active: the next attempt resumes from it. */
  checkpoint: checkpointEntry.optional(),
  /**
   * What the ledger has counted of each recent claim's spend (its running total so far), so a
   * later checkpoint or release of that claim adds only the difference.
   */
  counted: z.record(claimId, z.number().min(0)).default({}),
});

/** What one released attempt cost, by the complexity label its issue had when claimed. */
const attemptCost = z.strictObject({
  complexity: z.string().max(100).nullable(),
  usd: z.number().min(0).max(1_000_000),
});

export const snapshotEntry = z.strictObject({
  type: z.literal('snapshot'),
  /** The tracking issue this log continues. */
  from: issueNumber,
  /** A large snapshot comes in parts; a part that continues adds to the state, the first resets it. */
  continues: z.boolean().default(false),
  /** On the first part: how many parts there are. A ledger whose snapshot lacks some is incomplete. */
  parts: z.number().int().positive().max(1000).optional(),
  /** Written by a maintainer's recovery from the intact part of a tampered ledger. */
  recovered: z.boolean().optional(),
  issues: z.record(z.string().regex(/^\d+$/), issueRecord),
  spendByDay: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.number().min(0)),
  recent: z
    .array(
      z.strictObject({
        issue: issueNumber,
        claim: claimId,
        outcome: z.string(),
        at: isoDate,
        pr: issueNumber.optional(),
        costUsd: z.number().min(0).optional(),
      }),
    )
    .max(50),
  /** The costs of the latest released attempts, for admission estimates. */
  costs: z.array(attemptCost).max(500).default([]),
  at: isoDate,
});

export const ledgerEntry = z.discriminatedUnion('type', [
  claimEntry,
  releaseEntry,
  expireEntry,
  exhaustedEntry,
  retryEntry,
  checkpointEntry,
  snapshotEntry,
]);

export type ClaimEntry = z.output<typeof claimEntry>;
export type ReleaseEntry = z.output<typeof releaseEntry>;
export type ExpireEntry = z.output<typeof expireEntry>;
export type ExhaustedEntry = z.output<typeof exhaustedEntry>;
export type RetryEntry = z.output<typeof retryEntry>;
export type CheckpointEntry = z.output<typeof checkpointEntry>;
export type ResumeNote = z.output<typeof resumeNote>;
export type SnapshotEntry = z.output<typeof snapshotEntry>;
export type LedgerEntry = z.output<typeof ledgerEntry>;
export type IssueRecord = z.output<typeof issueRecord>;
export type AttemptCost = z.output<typeof attemptCost>;
