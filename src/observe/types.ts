/**
 * What an action tells the outside world when it is done: notices for chat webhooks, Status
 * changes for a Projects board, figures for outputs and OpenMetrics. Each action's run builds
 * these from its report; the publishers in this folder send them and never fail the run.
 */

/** The events a maintainer asked to hear about. */
export type NoticeKind = 'merged' | 'failed' | 'budget' | 'tampering';

export interface Notice {
  kind: NoticeKind;
  /** OWNER/REPO. */
  repository: string;
  /** The issue concerned; null for a repository-wide notice (ledger tampering). */
  issue: number | null;
  pull: number | null;
  /** The issue's or pull request's title: untrusted text, escaped by each publisher. */
  title: string;
  /** One or two sentences written by the toolkit. */
  detail: string;
  /** Where to look: the pull request, the issue or the workflow run. */
  url: string | null;
  /** What the issue has cost so far, when known. */
  costUsd: number | null;
}

/** The Status options a Projects board keeps, by the names the docs give them. */
export type ProjectStatus = 'queued' | 'in progress' | 'in review' | 'done' | 'failed';

export interface StatusChange {
  issue: number;
  status: ProjectStatus;
}

/** A Projects v2 board, from its URL: https://github.com/orgs/ORG/projects/N or /users/USER/projects/N. */
export interface ProjectRef {
  url: string;
  ownerType: 'organization' | 'user';
  owner: string;
  number: number;
}

export interface ObserveSettings {
  slackWebhook: string | null;
  discordWebhook: string | null;
  project: ProjectRef | null;
  /** Token for the board: GITHUB_TOKEN cannot reach user or organization projects. */
  projectToken: string;
  /** Where OpenMetrics text is written; null writes none. */
  metricsFile: string | null;
}

/** Figures every action reports, as outputs and as metrics. */
export interface CommonFigures {
  /** HTTP requests sent to GitHub's API, retries included. */
  requests: number;
  /** Of those, content-creating ones (POST, PATCH, PUT, DELETE and GraphQL mutations). */
  writes: number;
  durationSeconds: number;
}

export interface DispatchFigures extends CommonFigures {
  action: 'dispatch';
  /** Open ai-ready issues dispatch considered. */
  candidates: number;
  dispatched: number;
  skipped: number;
  /** Claims a concurrent dispatch won. */
  lostClaims: number;
  /** Live claims in the ledger after this run, this run's included. */
  liveClaims: number;
  /** Hand changes to the ledger found: 0 when it is intact. */
  tampering: number;
}

export interface WorkerFigures extends CommonFigures {
  action: 'worker';
  issue: number;
  outcome: string;
  /** This run's model spend. */
  costUsd: number;
  /** Spend on the issue across all its runs. */
  issueCostUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  revisions: number;
}

export interface GateFigures extends CommonFigures {
  action: 'merge-gate';
  pull: number | null;
  verdict: string;
  /** Line coverage, percent; null when the gate read no report. */
  coveragePercent: number | null;
  patchCoveragePercent: number | null;
}

export type ActionFigures = DispatchFigures | WorkerFigures | GateFigures;
