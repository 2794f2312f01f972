import type { BacklogIssue, IssueDetails, Permission } from '../backlog/issue.js';
import type { ConflictPull } from '../backlog/plan.js';
import type { Identity } from '../ledger/identity.js';

/** The GitHub reads and writes dispatch needs beyond the ledger, and nothing more. */

export interface Overview {
  defaultBranch: string;
  conflicts: ConflictPull[];
  /** The in-progress and failed labels' node ids, null when the label does not exist yet. */
  inProgressLabelId: string | null;
  failedLabelId: string | null;
  /** Collaborators by lower-cased login, or null when the list was not complete or readable. */
  collaborators: Map<string, Permission> | null;
  /** The token's identity when the answer carried it: the ledger then asks no more. */
  viewer?: Identity;
}

export interface Details {
  details: Map<number, IssueDetails>;
  /** Open state of referenced issues; issues that do not exist are absent. */
  referenced: Map<number, boolean>;
}

export interface DispatchPort {
  overview(labels: { conflict: string; inProgress: string; failed: string }): Promise<Overview>;
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
  createLabel(name: string, color: string, description: string): Promise<string>;
  /** Labels added and removed, and comments, on issues by node id: in one request. */
  settle(changes: IssueChanges): Promise<void>;
}

export interface IssueChanges {
  add: { nodeId: string; labelId: string }[];
  remove: { nodeId: string; labelId: string }[];
  comment: { nodeId: string; body: string }[];
}
