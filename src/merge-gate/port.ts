import type { Identity } from '../ledger/identity.js';
import type { CheckEvidence } from './rules.js';

/** What the merge gate reads and writes on GitHub; src/github/merge-gate-adapter.ts is the real one. */

export interface GatePull {
  /** Who the token acts as (read in the same request). */
  viewer: Identity;
  /** GraphQL node id, for the merge mutations. */
  id: string;
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  draft: boolean;
  body: string;
  author: Identity | null;
  sameRepository: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  defaultBranch: string;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  mergeState: string;
  labels: string[];
  /** The pull request's latest commits (up to 20), oldest first: their claim trailers. */
  commits: { oid: string; message: string; merge: boolean }[];
  /** Whether GitHub's auto-merge is on, and whether it waits in the merge queue. */
  autoMerge: boolean;
  inQueue: boolean;
  checks: CheckEvidence[];
  /** The changed files; `complete` is false when there are more than one page holds. */
  files: { path: string; additions: number; deletions: number }[];
  filesComplete: boolean;
  /** Whether GitHub found a renamed file: its old path is then read from the files list. */
  renamed: boolean;
  /** Logins of people (not apps) with write access whose latest review approves the head commit. */
  approvals: string[];
  /**
   * The issue the body closes (the first one), with its labels, and the issue it is a sub-issue
   * of (a split's original), with how many of that one's sub-issues are closed.
   */
  issue: {
    number: number;
    open: boolean;
    labels: string[];
    parent: { number: number; open: boolean; subIssues: number; completed: number } | null;
  } | null;
  /** The `ai-scrum/coverage` status the token's identity recorded on the base branch's head. */
  baseCoverage: string | null;
  mergeQueue: boolean;
  /** The repository's "Automatically delete head branches": GitHub deletes the head on merge. */
  deleteBranchOnMerge: boolean;
  /** The gate's own sticky comment, if it wrote one. */
  comment: { id: number; body: string } | null;
}

export type AutoMergeAnswer = 'enabled' | 'already-clean' | 'head-moved';
export type MergeAnswer = 'merged' | 'head-moved' | 'not-mergeable';

export interface MergeGatePort {
  /** The open pull request whose head is this branch of the repository (owner-qualified). */
  pullForBranch(branch: string): Promise<number | null>;
  /**
   * The pull request and all the evidence on it. `ledgerWriter`, when known, is whose tracking
   * issues the ledger will look for next: an adapter may read them along. Trusted for nothing.
   */
  pull(number: number, ledgerWriter?: string): Promise<GatePull>;
  /** The unified diff against the merge base, or null when GitHub refuses it as too large. */
  diff(number: number): Promise<string | null>;
  /** The changed files' patches, page by page: the fallback for a diff too large to serve. */
  patches(
    number: number,
  ): Promise<{ path: string; previousPath: string | null; patch: string | null }[]>;
  setStatus(
    sha: string,
    status: { state: 'success' | 'pending' | 'failure'; context: string; description: string },
  ): Promise<void>;
  enableAutoMerge(pull: GatePull, method: string): Promise<AutoMergeAnswer>;
  merge(pull: GatePull, method: string): Promise<MergeAnswer>;
  enqueue(pull: GatePull): Promise<void>;
  /** Turns GitHub's auto-merge off and takes the pull request out of the merge queue. */
  holdBack(pull: GatePull): Promise<void>;
  updateBranch(pull: GatePull): Promise<void>;
  deleteBranch(branch: string): Promise<void>;
  /** Creates the sticky comment, or edits it when its body changed. */
  upsertComment(pull: number, existing: GatePull['comment'], body: string): Promise<void>;
  addLabels(issue: number, labels: string[]): Promise<void>;
  removeLabel(issue: number, label: string): Promise<void>;
  closeIssue(issue: number): Promise<void>;
  /** The files of the newest artifact with this name from a run on the commit; null when none yet. */
  artifactFiles(
    sha: string,
    name: string,
    runId: number | null,
  ): Promise<Map<string, Buffer> | null>;
}
