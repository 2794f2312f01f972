import { GraphqlResponseError } from '@octokit/graphql';
import { unzipSync } from 'fflate';
import { RequestError } from '@octokit/request-error';
import { identityOf, sameIdentity, type Identity } from '../ledger/identity.js';
import type { AutoMergeAnswer, GatePull, MergeAnswer, MergeGatePort } from '../merge-gate/port.js';
import type { CheckEvidence } from '../merge-gate/rules.js';
import { GATE_COMMENT_MARKER } from '../merge-gate/summary.js';
import { actorIdentity, SENT_ONCE, type Actor } from './actors.js';
import type { GitHubClient } from './client.js';
import type { CandidatesPage, TrackingPrefetch } from './ledger-adapter.js';
import {
  DEQUEUE_MUTATION,
  DISABLE_AUTO_MERGE_MUTATION,
  ENABLE_AUTO_MERGE_MUTATION,
  ENQUEUE_MUTATION,
  GATE_PULL_QUERY,
  UPDATE_BRANCH_MUTATION,
} from './graphql/merge-gate.js';
import { ROUTES } from './routes.js';

export const COVERAGE_CONTEXT = 'ai-scrum/coverage';

interface PullNode {
  id: string;
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  body: string;
  author: Actor | null;
  isCrossRepository: boolean;
  headRefName: string;
  headRefOid: string;
  baseRefName: string;
  baseRefOid: string;
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  mergeStateStatus: string;
  labels: { nodes: { name: string }[] };
  autoMergeRequest: { enabledAt: string } | null;
  isInMergeQueue: boolean;
  commits: {
    nodes: { commit: { oid: string; message: string; parents: { totalCount: number } } }[];
  };
  statusCheckRollup: {
    contexts: {
      totalCount: number;
      nodes: (
        | {
            __typename: 'CheckRun';
            name: string;
            status: string;
            conclusion: string | null;
            isRequired: boolean;
          }
        | { __typename: 'StatusContext'; context: string; state: string; isRequired: boolean }
      )[];
    };
  } | null;
  files: {
    totalCount: number;
    nodes: { path: string; changeType: string; additions: number; deletions: number }[];
  } | null;
  latestOpinionatedReviews: {
    nodes: { state: string; commit: { oid: string } | null; author: Actor | null }[];
  } | null;
  closingIssuesReferences: {
    nodes: {
      number: number;
      state: string;
      labels: { nodes: { name: string }[] };
      parent: {
        number: number;
        state: string;
        subIssuesSummary: { total: number; completed: number };
      } | null;
    }[];
  } | null;
  baseRef: {
    target: {
      status?: {
        context: { state: string; description: string | null; creator: Actor | null } | null;
      } | null;
    };
  } | null;
  comments: { nodes: { databaseId: number; body: string; author: Actor | null }[] };
}

/** GitHub's check-run conclusions that count as passing, as branch protection counts them. */
const PASSING = new Set(['SUCCESS', 'NEUTRAL', 'SKIPPED']);

function checkOf(
  node: NonNullable<PullNode['statusCheckRollup']>['contexts']['nodes'][number],
): CheckEvidence {
  if (node.__typename === 'CheckRun') {
    const state =
      node.status !== 'COMPLETED'
        ? 'pending'
        : PASSING.has(node.conclusion ?? '')
          ? 'success'
          : 'failure';
    return { name: node.name, state, required: node.isRequired };
  }
  const state =
    node.state === 'SUCCESS'
      ? 'success'
      : node.state === 'PENDING' || node.state === 'EXPECTED'
        ? 'pending'
        : 'failure';
  return { name: node.context, state, required: node.isRequired };
}

/** The base's recorded coverage, only when the toolkit's own identity recorded it. */
function recordedCoverage(node: PullNode, viewer: Identity): string | null {
  const context = node.baseRef?.target.status?.context;
  if (!context || context.state !== 'SUCCESS' || !context.creator) return null;
  // The `viewer` of an app token keeps its [bot]; a status's creator is the Bot without it.
  return sameIdentity(actorIdentity(context.creator)!, viewer)
    ? (context.description ?? null)
    : null;
}

export class GitHubMergeGateAdapter implements MergeGatePort {
  constructor(
    private readonly github: GitHubClient,
    private readonly repo: { owner: string; repo: string },
    /** Status contexts that are the gate's own, left out of the checks it judges. */
    private readonly ownContexts: readonly string[],
    /** Where the tracking issues read along with the pull request go, for the ledger adapter. */
    private readonly prefetch: TrackingPrefetch | null = null,
  ) {}

  async pull(number: number, ledgerWriter?: string): Promise<GatePull> {
    const data = await this.github.graphql<{
      viewer: Actor;
      ledger?: CandidatesPage | null;
      repository: {
        defaultBranchRef: { name: string } | null;
        mergeQueue: { id: string } | null;
        deleteBranchOnMerge: boolean;
        pullRequest: PullNode | null;
      };
    }>(GATE_PULL_QUERY, {
      owner: this.repo.owner,
      repo: this.repo.repo,
      number,
      coverageContext: COVERAGE_CONTEXT,
      ...this.prefetch?.variables(ledgerWriter),
    });
    this.prefetch?.keep(ledgerWriter, data.ledger);
    // `viewer` is typed User even for an app, whose login then keeps its `[bot]`.
    const viewer: Identity = identityOf(data.viewer.login);
    const node = data.repository.pullRequest;
    if (!node)
      throw new RequestError(`Pull request #${number} not found`, 404, {
        request: { method: 'POST', url: 'graphql', headers: {} },
      });
    const own = node.comments.nodes.find(
      (comment) =>
        comment.body.startsWith(GATE_COMMENT_MARKER) &&
        comment.author !== null &&
        sameIdentity(actorIdentity(comment.author)!, viewer),
    );
    const issue = node.closingIssuesReferences?.nodes[0];
    return {
      viewer,
      id: node.id,
      number: node.number,
      state: node.state,
      draft: node.isDraft,
      body: node.body,
      author: node.author ? actorIdentity(node.author) : null,
      sameRepository: !node.isCrossRepository,
      headRef: node.headRefName,
      headSha: node.headRefOid,
      baseRef: node.baseRefName,
      baseSha: node.baseRefOid,
      defaultBranch: data.repository.defaultBranchRef?.name ?? 'main',
      mergeable: node.mergeable,
      mergeState: node.mergeStateStatus,
      labels: node.labels.nodes.map((label) => label.name),
      commits: node.commits.nodes.map(({ commit }) => ({
        oid: commit.oid,
        message: commit.message,
        merge: commit.parents.totalCount > 1,
      })),
      autoMerge: node.autoMergeRequest !== null,
      inQueue: node.isInMergeQueue,
      checks: (node.statusCheckRollup?.contexts.nodes ?? [])
        .map(checkOf)
        .filter((check) => !this.ownContexts.includes(check.name)),
      files: (node.files?.nodes ?? []).map(({ path, additions, deletions }) => ({
        path,
        additions,
        deletions,
      })),
      renamed: (node.files?.nodes ?? []).some((file) => file.changeType === 'RENAMED'),
      filesComplete: (node.files?.totalCount ?? 0) <= (node.files?.nodes.length ?? 0),
      approvals: (node.latestOpinionatedReviews?.nodes ?? [])
        // An approval counts for the commit it approved: a later push needs a new one.
        .filter(
          (review) =>
            review.state === 'APPROVED' &&
            review.author?.__typename === 'User' &&
            review.commit?.oid === node.headRefOid,
        )
        .map((review) => review.author!.login),
      issue: issue
        ? {
            number: issue.number,
            open: issue.state === 'OPEN',
            labels: issue.labels.nodes.map((label) => label.name),
            parent: issue.parent
              ? {
                  number: issue.parent.number,
                  open: issue.parent.state === 'OPEN',
                  subIssues: issue.parent.subIssuesSummary.total,
                  completed: issue.parent.subIssuesSummary.completed,
                }
              : null,
          }
        : null,
      baseCoverage: recordedCoverage(node, viewer),
      mergeQueue: data.repository.mergeQueue !== null,
      deleteBranchOnMerge: data.repository.deleteBranchOnMerge,
      comment: own ? { id: own.databaseId, body: own.body } : null,
    };
  }

  async pullForBranch(branch: string): Promise<number | null> {
    // `head` must be owner:branch: GitHub ignores a bare branch name and lists every pull request.
    const { data } = await this.github.rest.request(ROUTES.listPullRequests, {
      ...this.repo,
      head: `${this.repo.owner}:${branch}`,
      state: 'open',
      per_page: 1,
    });
    return data[0]?.number ?? null;
  }

  async diff(number: number): Promise<string | null> {
    try {
      const { data } = await this.github.rest.request(ROUTES.getPullRequest, {
        ...this.repo,
        pull_number: number,
        mediaType: { format: 'diff' },
      });
      return data as unknown as string;
    } catch (error) {
      // GitHub refuses a diff past its size limits (406 "too_large"; 422 on older servers).
      if (error instanceof RequestError && (error.status === 406 || error.status === 422))
        return null;
      throw error;
    }
  }

  async patches(
    number: number,
  ): Promise<{ path: string; previousPath: string | null; patch: string | null }[]> {
    const files = await this.github.rest.paginate(ROUTES.listPullFiles, {
      ...this.repo,
      pull_number: number,
      per_page: 100,
    });
    return files.map((file) => ({
      path: file.filename,
      previousPath: file.previous_filename ?? null,
      patch: file.patch ?? null,
    }));
  }

  async setStatus(
    sha: string,
    status: { state: 'success' | 'pending' | 'failure'; context: string; description: string },
  ): Promise<void> {
    await this.github.rest.request(ROUTES.createCommitStatus, {
      ...this.repo,
      sha,
      state: status.state,
      context: status.context,
      // GitHub keeps at most 140 characters of a status description.
      description: status.description.slice(0, 140),
    });
  }

  async enableAutoMerge(pull: GatePull, method: string): Promise<AutoMergeAnswer> {
    try {
      await this.github.graphql(ENABLE_AUTO_MERGE_MUTATION, {
        id: pull.id,
        mergeMethod: method.toUpperCase(),
        head: pull.headSha,
      });
      return 'enabled';
    } catch (error) {
      // "Pull request Pull request is in clean status": it can merge now, so merge it now.
      const messages =
        error instanceof GraphqlResponseError ? (error.errors?.map((e) => e.message) ?? []) : [];
      if (messages.some((m) => /is in (clean|unstable) status/i.test(m))) return 'already-clean';
      if (messages.some((m) => /head branch was modified/i.test(m))) return 'head-moved';
      throw error;
    }
  }

  async merge(pull: GatePull, method: string): Promise<MergeAnswer> {
    try {
      await this.github.rest.request(ROUTES.mergePullRequest, {
        ...this.repo,
        pull_number: pull.number,
        sha: pull.headSha,
        merge_method: method as 'merge' | 'squash' | 'rebase',
      });
      return 'merged';
    } catch (error) {
      if (error instanceof RequestError && error.status === 409) return 'head-moved';
      if (error instanceof RequestError && error.status === 405) return 'not-mergeable';
      throw error;
    }
  }

  async holdBack(pull: GatePull): Promise<void> {
    if (pull.autoMerge) await this.github.graphql(DISABLE_AUTO_MERGE_MUTATION, { id: pull.id });
    if (pull.inQueue) await this.github.graphql(DEQUEUE_MUTATION, { id: pull.id });
  }

  async enqueue(pull: GatePull): Promise<void> {
    await this.github.graphql(ENQUEUE_MUTATION, { id: pull.id, head: pull.headSha });
  }

  async updateBranch(pull: GatePull): Promise<void> {
    await this.github.graphql(UPDATE_BRANCH_MUTATION, { id: pull.id, head: pull.headSha });
  }

  async deleteBranch(branch: string): Promise<void> {
    try {
      await this.github.rest.request(ROUTES.deleteRef, { ...this.repo, ref: `heads/${branch}` });
    } catch (error) {
      // Already gone (deleted by hand, or by GitHub after the repository's setting changed).
      if (error instanceof RequestError && error.status === 422) return;
      throw error;
    }
  }

  async upsertComment(pull: number, existing: GatePull['comment'], body: string): Promise<void> {
    if (existing) {
      if (existing.body === body) return;
      await this.github.rest.request(ROUTES.updateIssueComment, {
        ...this.repo,
        comment_id: existing.id,
        body,
      });
      return;
    }
    try {
      await this.github.rest.request(ROUTES.createIssueComment, {
        ...this.repo,
        issue_number: pull,
        body,
        ...SENT_ONCE,
      });
    } catch (error) {
      // The answer may have been lost after GitHub wrote it: look before writing a second one.
      if (error instanceof RequestError && error.status < 500 && error.status !== 0) throw error;
      const found = (await this.pull(pull)).comment;
      if (found) return this.upsertComment(pull, found, body);
      await this.github.rest.request(ROUTES.createIssueComment, {
        ...this.repo,
        issue_number: pull,
        body,
      });
    }
  }

  async addLabels(issue: number, labels: string[]): Promise<void> {
    await this.github.rest.request(ROUTES.addLabels, { ...this.repo, issue_number: issue, labels });
  }

  async removeLabel(issue: number, label: string): Promise<void> {
    try {
      await this.github.rest.request(ROUTES.removeLabel, {
        ...this.repo,
        issue_number: issue,
        name: label,
      });
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) return;
      throw error;
    }
  }

  async closeIssue(issue: number): Promise<void> {
    await this.github.rest.request(ROUTES.updateIssue, {
      ...this.repo,
      issue_number: issue,
      state: 'closed',
      state_reason: 'completed',
    });
  }

  async artifactFiles(
    sha: string,
    name: string,
    runId: number | null,
  ): Promise<Map<string, Buffer> | null> {
    const { data } = await this.github.rest.request(ROUTES.listArtifacts, {
      ...this.repo,
      name,
      per_page: 100,
    });
    // The triggering CI run's own artifact when the event names it; else the newest for the head.
    const artifact = data.artifacts
      .filter(
        (found) =>
          found.workflow_run?.head_sha === sha &&
          !found.expired &&
          (runId === null || found.workflow_run?.id === runId),
      )
      .sort((a, b) => b.id - a.id)[0];
    if (!artifact) return null;
    const zip = await this.github.rest.request(ROUTES.downloadArtifact, {
      ...this.repo,
      artifact_id: artifact.id,
      archive_format: 'zip',
    });
    const files = new Map<string, Buffer>();
    for (const [path, content] of Object.entries(
      unzipSync(new Uint8Array(zip.data as ArrayBuffer)),
    ))
      if (!path.endsWith('/')) files.set(path, Buffer.from(content));
    return files;
  }
}
