import type { BacklogIssue, IssueDetails, Permission } from '../backlog/issue.js';
import type { ConflictPull } from '../backlog/plan.js';
import type { Identity, LedgerComment } from '../ledger/fold.js';

/** The GitHub reads and writes dispatch needs, and nothing more. */

export interface TrackingIssue {
  number: number;
  /** Its GraphQL node id (empty for one just created through REST until read back). */
  nodeId: string;
  author: Identity | null;
  body: string;
  /** All its comments, of which `comments` holds the latest (at most 100). */
  commentCount: number;
  comments: LedgerComment[];
}

export interface Overview {
  /** The login the token acts as (lower case, without `[bot]`). */
  viewer: string;
  defaultBranch: string;
  /** Open tracking issues, lowest number first. */
  tracking: TrackingIssue[];
  conflicts: ConflictPull[];
  /** The in-progress label's node id, null when the label does not exist yet. */
  inProgressLabelId: string | null;
  /** Collaborators by lower-cased login, or null when the list was not complete or readable. */
  collaborators: Map<string, Permission> | null;
}

export interface Details {
  details: Map<number, IssueDetails>;
  /** Open state of referenced issues; issues that do not exist are absent. */
  referenced: Map<number, boolean>;
}

export interface DispatchPort {
  overview(labels: {
    coordination: string;
    conflict: string;
    inProgress: string;
  }): Promise<Overview>;
  /** Open issues (not pull requests) carrying the label, oldest first, with their node ids. */
  backlog(readyLabel: string): Promise<(BacklogIssue & { nodeId: string })[]>;
  tree(branch: string): Promise<{ paths: string[]; truncated: boolean }>;
  /** Ids of Actions runs completed since a moment (at most one page of the newest). */
  finishedRuns(since: string): Promise<Set<number>>;
  details(
    issues: readonly number[],
    references: readonly number[],
    readyLabel: string,
  ): Promise<Details>;
  permissions(identities: readonly Identity[]): Promise<Map<string, Permission>>;
  /** Every comment of an issue, oldest first: for a log longer than one GraphQL page. */
  allComments(issue: number): Promise<LedgerComment[]>;
  /** The open tracking issues again, with their latest comments, and who the token is. */
  ledger(coordination: string): Promise<{ viewer: string; tracking: TrackingIssue[] }>;
  createTrackingIssue(title: string, body: string, label: string): Promise<TrackingIssue>;
  appendComment(issue: number, body: string): Promise<number>;
  updateIssueBody(issue: number, body: string): Promise<void>;
  closeIssue(issue: number, body: string): Promise<void>;
  createLabel(name: string, color: string, description: string): Promise<string>;
  addLabel(labelId: string, nodeIds: readonly string[]): Promise<void>;
}
