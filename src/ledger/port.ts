import type { Deletion, LogComment } from './chain.js';
import type { Identity } from './identity.js';
import type { TrackingCandidate } from './tracking.js';

/** The GitHub reads and writes the ledger needs: dispatch, worker and merge gate share it. */

/**
 * A write whose outcome is unknown: GitHub answered 5xx, timed out or dropped the connection,
 * and it may have been applied. The caller reads back before trying again.
 */
export class UncertainWrite extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UncertainWrite';
  }
}

export interface TrackingLog {
  /** Every comment, oldest first. */
  comments: LogComment[];
  /** Comments GitHub's timeline says were deleted. */
  deletions: Deletion[];
}

/** Open work on GitHub that a recovery keeps: a branch of the toolkit and its claim trailers. */
export interface WorkEvidence {
  issue: number;
  branch: string;
  claim: string | null;
  epoch: number | null;
  pull: number | null;
}

export interface LedgerPort {
  /** Who the token acts as. */
  viewer(): Promise<Identity>;
  /**
   * Every issue (any state, labelled or not) opened by one of these identities, the ledger's
   * trusted ones: an issue holds entries only when its first comment is by one of them.
   */
  candidates(authors: readonly Identity[], label: string): Promise<TrackingCandidate[]>;
  log(issue: number): Promise<TrackingLog>;
  /** Creates an issue without retrying; throws UncertainWrite when the answer was lost. */
  createIssue(title: string, body: string, label: string): Promise<number>;
  /** The issue opened by `author` whose description holds `nonce`, if any. */
  findIssue(author: Identity, nonce: string): Promise<number | null>;
  /** Posts a comment without retrying; throws UncertainWrite when the answer was lost. */
  postComment(issue: number, body: string): Promise<number>;
  /** The comment by `author` on `issue` holding `nonce`, if any: nobody else's counts. */
  findComment(issue: number, nonce: string, author: Identity): Promise<number | null>;
  reopen(issue: number): Promise<void>;
  addLabel(issue: number, label: string): Promise<void>;
  updateBody(issue: number, body: string): Promise<void>;
  close(issue: number, body: string): Promise<void>;
  /** A person's role in the repository: admin, maintain, write, triage, read or none. */
  role(login: string): Promise<string>;
  /** Branches `ai-feature/issue-N` with their head commit's claim trailers and open pull requests. */
  evidence(): Promise<WorkEvidence[]>;
}

/** A LedgerPort that already knows who the token is (one request fewer). */
export function knownViewer(port: LedgerPort, viewer: Identity): LedgerPort {
  const known = Object.create(port) as LedgerPort;
  known.viewer = () => Promise.resolve(viewer);
  return known;
}
