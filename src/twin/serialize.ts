import type {
  Comment,
  CheckRun,
  CommitStatus,
  Issue,
  Item,
  Label,
  Pull,
  Review,
  TimelineEvent,
  TwinState,
  User,
  WorkflowRun,
} from './state.js';
import type { Artifact } from './ci.js';
import { ACTIONS_APP, BOT_LOGIN } from './fixture.js';
import type { CommitObject } from './git.js';

/**
 * REST shapes as GitHub's OpenAPI description defines them (every required field present); a
 * fidelity test validates each answer against that description.
 */
export class Serializer {
  constructor(
    private readonly state: TwinState,
    /** REST base, such as http://127.0.0.1:PORT */
    readonly api: string,
    /** Web and git base (GITHUB_SERVER_URL) */
    readonly web: string,
  ) {}

  get repoApi(): string {
    return `${this.api}/repos/${this.state.owner}/${this.state.name}`;
  }

  get repoWeb(): string {
    return `${this.web}/${this.state.owner}/${this.state.name}`;
  }

  user(login: string | null): Record<string, unknown> | null {
    if (login === null) return null;
    const user: User = this.state.user(login) ?? {
      login,
      id: 0,
      nodeId: 'U_ghost',
      type: 'User',
      permission: 'none',
    };
    const url = `${this.api}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: user.nodeId,
      avatar_url: `${this.web}/avatars/${user.id}`,
      gravatar_id: '',
      url,
      html_url: `${this.web}/${user.type === 'Bot' ? 'apps/' : ''}${user.login.replace(/\[bot\]$/, '')}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: user.type,
      user_view_type: 'public',
      site_admin: false,
    };
  }

  label(label: Label): Record<string, unknown> {
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${this.repoApi}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: false,
      description: label.description,
    };
  }

  private labelsOf(item: Item): Record<string, unknown>[] {
    return item.labels.flatMap((name) => {
      const label = this.state.labels.get(name);
      return label ? [this.label(label)] : [];
    });
  }

  private association(login: string): string {
    if (login === this.state.owner) return 'OWNER';
    const permission = this.state.permissionOf(login);
    return permission === 'none' || permission === 'read' ? 'NONE' : 'COLLABORATOR';
  }

  issue(item: Item): Record<string, unknown> {
    const url = `${this.repoApi}/issues/${item.number}`;
    const comments = this.state.comments.filter((comment) => comment.issue === item.number).length;
    const json: Record<string, unknown> = {
      id: item.id,
      node_id: item.nodeId,
      url,
      repository_url: this.repoApi,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${this.repoWeb}/${item.kind === 'pull' ? 'pull' : 'issues'}/${item.number}`,
      number: item.number,
      state: item.state,
      state_reason: item.kind === 'issue' ? item.stateReason : null,
      title: item.title,
      body: item.body,
      user: this.user(item.author),
      labels: this.labelsOf(item),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: item.locked,
      active_lock_reason: item.lockReason,
      comments,
      closed_at: item.closedAt,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      closed_by: this.user(item.closedBy),
      author_association: this.association(item.author),
      reactions: this.reactions(`${url}/reactions`),
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
    };
    if (item.kind === 'pull') {
      json['draft'] = item.draft;
      json['pull_request'] = {
        url: `${this.repoApi}/pulls/${item.number}`,
        html_url: `${this.repoWeb}/pull/${item.number}`,
        diff_url: `${this.repoWeb}/pull/${item.number}.diff`,
        patch_url: `${this.repoWeb}/pull/${item.number}.patch`,
        merged_at: item.mergedAt,
      };
    } else {
      json['sub_issues_summary'] = this.subIssuesSummary(item);
      json['issue_dependencies_summary'] = this.dependenciesSummary(item);
    }
    return json;
  }

  private reactions(url: string): Record<string, unknown> {
    return {
      url,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    };
  }

  subIssuesSummary(issue: Issue): Record<string, number> {
    const children = issue.subIssues.map((number) => this.state.items.get(number));
    const completed = children.filter((child) => child?.state === 'closed').length;
    return {
      total: children.length,
      completed,
      percent_completed:
        children.length === 0 ? 0 : Math.floor((completed * 100) / children.length),
    };
  }

  dependenciesSummary(issue: Issue): Record<string, number> {
    const openBlockers = issue.blockedBy.filter(
      (number) => this.state.items.get(number)?.state === 'open',
    );
    const blocking = this.state.blocking(issue.number);
    return {
      blocked_by: openBlockers.length,
      blocking: blocking.filter((other) => other.state === 'open').length,
      total_blocked_by: issue.blockedBy.length,
      total_blocking: blocking.length,
    };
  }

  comment(comment: Comment): Record<string, unknown> {
    const url = `${this.repoApi}/issues/comments/${comment.id}`;
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url,
      html_url: `${this.repoWeb}/issues/${comment.issue}#issuecomment-${comment.id}`,
      body: comment.body,
      user: this.user(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${this.repoApi}/issues/${comment.issue}`,
      author_association: this.association(comment.author),
      reactions: this.reactions(`${url}/reactions`),
      performed_via_github_app: null,
    };
  }

  timelineEvent(event: TimelineEvent, issue: Item): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: event.id,
      node_id: event.nodeId,
      url: `${this.repoApi}/issues/events/${event.id}`,
      actor: this.user(event.actor),
      event: event.event,
      commit_id: issue.kind === 'pull' && event.event === 'merged' ? issue.mergeCommitSha : null,
      commit_url: null,
      created_at: event.createdAt,
      performed_via_github_app: null,
    };
    if (event.label !== undefined) {
      const label = this.state.labels.get(event.label);
      json['label'] = { name: event.label, color: label?.color ?? 'ededed' };
    }
    if (event.event === 'renamed') json['rename'] = { from: '', to: issue.title };
    if (event.event === 'locked') json['lock_reason'] = event.lockReason ?? null;
    if (event.event === 'closed' || event.event === 'reopened')
      json['state_reason'] = event.stateReason ?? null;
    return json;
  }

  /** A comment as the timeline lists it: the comment with `event: commented` and its actor. */
  timelineComment(comment: Comment): Record<string, unknown> {
    return { ...this.comment(comment), event: 'commented', actor: this.user(comment.author) };
  }

  gitCommit(commit: CommitObject): Record<string, unknown> {
    const person = (who: CommitObject['author']) => ({
      name: who.name,
      email: who.email,
      date: who.date,
    });
    return {
      sha: commit.sha,
      node_id: `C_${commit.sha}`,
      url: `${this.repoApi}/git/commits/${commit.sha}`,
      html_url: `${this.repoWeb}/commit/${commit.sha}`,
      author: person(commit.author),
      committer: person(commit.committer),
      tree: { sha: commit.tree, url: `${this.repoApi}/git/trees/${commit.tree}` },
      message: commit.message.replace(/\n$/, ''),
      parents: commit.parents.map((sha) => ({
        sha,
        url: `${this.repoApi}/git/commits/${sha}`,
        html_url: `${this.repoWeb}/commit/${sha}`,
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  gitRef(ref: string, sha: string): Record<string, unknown> {
    return {
      ref,
      node_id: `REF_${Buffer.from(ref).toString('base64url')}`,
      url: `${this.repoApi}/git/${ref}`,
      object: { sha, type: 'commit', url: `${this.repoApi}/git/commits/${sha}` },
    };
  }

  /** This repository, or (given `fork`) a fork of it that holds a pull request's head branch. */
  repository(fork: Pull['fork'] = null): Record<string, unknown> {
    const s = this.state;
    const owner = fork?.owner ?? s.owner;
    const name = fork?.name ?? s.name;
    const api = `${this.api}/repos/${owner}/${name}`;
    const web = `${this.web}/${owner}/${name}`;
    const id = fork ? forkId(fork) : s.repositoryId;
    return {
      id,
      node_id: fork
        ? `R_${Buffer.from(`twin-fork:${owner}/${name}`).toString('base64url')}`
        : 'R_kgDOTwinRepo',
      name,
      full_name: `${owner}/${name}`,
      owner: this.user(owner),
      private: true,
      html_url: web,
      description: null,
      fork: fork !== null,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `${web.replace(/^https?:/, 'git:')}.git`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      ssh_url: `git@twin:${owner}/${name}.git`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      clone_url: `${web}.git`,
      mirror_url: null,
      hooks_url: `${api}/hooks`,
      svn_url: web,
      homepage: null,
      language: null,
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 0,
      default_branch: s.defaultBranch,
      open_issues_count: fork ? 0 : [...s.items.values()].filter((i) => i.state === 'open').length,
      open_issues: fork ? 0 : [...s.items.values()].filter((i) => i.state === 'open').length,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: false,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: 'private',
      pushed_at: s.createdAt,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      allow_rebase_merge: false,
      allow_squash_merge: s.settings.allowSquashMerge,
      allow_merge_commit: s.settings.allowMergeCommit,
      allow_auto_merge: s.settings.allowAutoMerge,
      delete_branch_on_merge: s.settings.deleteBranchOnMerge,
      allow_update_branch: true,
      license: null,
      network_count: 0,
      subscribers_count: 0,
    };
  }

  async pull(pull: Pull, detail: boolean): Promise<Record<string, unknown>> {
    const url = `${this.repoApi}/pulls/${pull.number}`;
    const issueUrl = `${this.repoApi}/issues/${pull.number}`;
    const headSha = await this.state.pullHeadSha(pull);
    const baseSha = await this.state.pullBaseSha(pull);
    const repo = this.repository();
    const json: Record<string, unknown> = {
      url,
      id: pull.id,
      node_id: pull.nodeId,
      html_url: `${this.repoWeb}/pull/${pull.number}`,
      diff_url: `${this.repoWeb}/pull/${pull.number}.diff`,
      patch_url: `${this.repoWeb}/pull/${pull.number}.patch`,
      issue_url: issueUrl,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.repoApi}/pulls/comments{/number}`,
      comments_url: `${issueUrl}/comments`,
      statuses_url: `${this.repoApi}/statuses/${headSha}`,
      number: pull.number,
      state: pull.state,
      locked: pull.locked,
      title: pull.title,
      user: this.user(pull.author),
      body: pull.body,
      labels: this.labelsOf(pull),
      milestone: null,
      active_lock_reason: pull.lockReason,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: this.state.headLabel(pull),
        ref: pull.head,
        sha: headSha,
        user: this.user(pull.fork?.owner ?? this.state.owner),
        repo: pull.fork ? this.repository(pull.fork) : repo,
      },
      base: {
        label: `${this.state.owner}:${pull.base}`,
        ref: pull.base,
        sha: baseSha,
        user: this.user(this.state.owner),
        repo,
      },
      _links: {
        self: { href: url },
        html: { href: `${this.repoWeb}/pull/${pull.number}` },
        issue: { href: issueUrl },
        comments: { href: `${issueUrl}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.repoApi}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${this.repoApi}/statuses/${headSha}` },
      },
      author_association: this.association(pull.author),
      auto_merge: pull.autoMerge
        ? {
            enabled_by: this.user(pull.autoMerge.enabledBy),
            merge_method: pull.autoMerge.method.toLowerCase(),
            commit_title: pull.title,
            commit_message: '',
          }
        : null,
      draft: pull.draft,
    };
    if (!detail) {
      // The listing's schema (pull-request-simple) types a label's description as a string.
      json['labels'] = (json['labels'] as Record<string, unknown>[]).map((label) => ({
        ...label,
        description: label['description'] ?? '',
      }));
      return json;
    }
    // Each REST read is one request: the first reads after a change answer null, `unknown`.
    const { mergeable, status } = await this.state.observedMergeability(pull, {});
    // A merged pull request keeps its changes, against the base as it was when it merged.
    const computed = pull.merged || mergeable !== null;
    const files = computed ? await this.state.git.changedFiles(baseSha, headSha) : [];
    return {
      ...json,
      merged: pull.merged,
      mergeable,
      rebaseable: false,
      mergeable_state: status.toLowerCase(),
      merged_by: this.user(pull.mergedBy),
      comments: this.state.comments.filter((comment) => comment.issue === pull.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: computed ? await this.state.git.commitCount(baseSha, headSha) : 0,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      changed_files: files.length,
    };
  }

  checkRun(run: CheckRun): Record<string, unknown> {
    const url = `${this.repoApi}/check-runs/${run.id}`;
    return {
      id: run.id,
      node_id: run.nodeId,
      head_sha: run.headSha,
      external_id: run.externalId,
      url,
      html_url: `${this.repoWeb}/runs/${run.id}`,
      details_url: `${this.repoWeb}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: null,
        summary: null,
        text: null,
        annotations_count: 0,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.id },
      app: this.app(run.app),
      pull_requests: [],
    };
  }

  /** An integration as REST shows a check run's `app`. */
  app(app: CheckRun['app']): Record<string, unknown> {
    const at = this.state.createdAt;
    return {
      id: app.id,
      slug: app.slug,
      node_id: `A_${Buffer.from(String(app.id)).toString('base64url')}`,
      owner: this.user(app.owner === 'github' ? null : app.owner) ?? {
        login: 'github',
        id: 9919,
        node_id: 'MDEyOk9yZ2FuaXphdGlvbjk5MTk=',
        avatar_url: 'https://avatars.githubusercontent.com/u/9919?v=4',
        gravatar_id: '',
        url: `${this.api}/users/github`,
        html_url: `${this.web}/github`,
        followers_url: `${this.api}/users/github/followers`,
        following_url: `${this.api}/users/github/following{/other_user}`,
        gists_url: `${this.api}/users/github/gists{/gist_id}`,
        starred_url: `${this.api}/users/github/starred{/owner}{/repo}`,
        subscriptions_url: `${this.api}/users/github/subscriptions`,
        organizations_url: `${this.api}/users/github/orgs`,
        repos_url: `${this.api}/users/github/repos`,
        events_url: `${this.api}/users/github/events{/privacy}`,
        received_events_url: `${this.api}/users/github/received_events`,
        type: 'Organization',
        site_admin: false,
      },
      name: app.id === ACTIONS_APP.id ? ACTIONS_APP.name : app.slug,
      description: null,
      external_url: `${this.web}/apps/${app.slug}`,
      html_url: `${this.web}/apps/${app.slug}`,
      created_at: at,
      updated_at: at,
      permissions: {},
      events: [],
    };
  }

  artifact(artifact: Artifact): Record<string, unknown> {
    const url = `${this.repoApi}/actions/artifacts/${artifact.id}`;
    const expires = new Date(Date.parse(artifact.createdAt) + 90 * 86_400_000);
    return {
      id: artifact.id,
      node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
      name: artifact.name,
      size_in_bytes: artifact.sizeInBytes,
      url,
      archive_download_url: `${url}/zip`,
      expired: false,
      created_at: artifact.createdAt,
      updated_at: artifact.createdAt,
      expires_at: expires.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      workflow_run: {
        id: artifact.runId,
        repository_id: this.state.repositoryId,
        head_repository_id: this.state.repositoryId,
        head_branch: artifact.headBranch,
        head_sha: artifact.headSha,
      },
    };
  }

  status(status: CommitStatus): Record<string, unknown> {
    return {
      url: `${this.repoApi}/statuses/${status.sha}`,
      avatar_url: null,
      id: status.id,
      node_id: status.nodeId,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      creator: this.user(status.creator),
    };
  }

  review(review: Review): Record<string, unknown> {
    const html = `${this.repoWeb}/pull/${review.pull}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: review.nodeId,
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: `${this.repoApi}/pulls/${review.pull}`,
      _links: {
        html: { href: html },
        pull_request: { href: `${this.repoApi}/pulls/${review.pull}` },
      },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
      author_association: this.association(review.user),
    };
  }

  workflowRun(run: WorkflowRun): Record<string, unknown> {
    const url = `${this.repoApi}/actions/runs/${run.id}`;
    const repo = this.minimalRepository();
    // A run of the CI model carries its own workflow, event, commit and progress.
    const ci = run.ci;
    return {
      id: run.id,
      name: run.name,
      node_id: `WFR_${Buffer.from(String(run.id)).toString('base64url')}`,
      head_branch: ci?.headBranch ?? run.headBranch,
      head_sha: ci?.headSha ?? '0'.repeat(40),
      path: ci?.path ?? '.github/workflows/ai-scrum.yml',
      display_title: run.name,
      run_number: run.id,
      run_attempt: 1,
      event: ci?.event ?? 'schedule',
      status: ci?.status ?? run.status,
      conclusion: ci ? ci.conclusion : run.conclusion,
      workflow_id: ci?.workflowId ?? 1000,
      ...(ci
        ? {
            // A run the merge queue caused is GitHub's own; it shows as the Actions bot.
            actor: this.user(ci.actor === ACTIONS_APP.slug ? BOT_LOGIN : ci.actor),
            triggering_actor: this.user(ci.actor === ACTIONS_APP.slug ? BOT_LOGIN : ci.actor),
          }
        : {}),
      url,
      html_url: `${this.repoWeb}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: run.createdAt,
      updated_at: run.createdAt,
      run_started_at: run.createdAt,
      jobs_url: `${url}/jobs`,
      logs_url: `${url}/logs`,
      check_suite_url: `${this.repoApi}/check-suites/${run.id}`,
      artifacts_url: `${url}/artifacts`,
      cancel_url: `${url}/cancel`,
      rerun_url: `${url}/rerun`,
      workflow_url: `${this.repoApi}/actions/workflows/${ci?.workflowId ?? 1000}`,
      head_commit: null,
      repository: repo,
      head_repository: repo,
    };
  }

  minimalRepository(): Record<string, unknown> {
    const full = this.repository();
    const keep = Object.keys(full).filter(
      (key) => !['network_count', 'subscribers_count'].includes(key),
    );
    return Object.fromEntries(keep.map((key) => [key, full[key]]));
  }
}

/** A stable made-up database id for a fork, apart from this repository's. */
export function forkId(fork: { owner: string; name: string }): number {
  let hash = 0;
  for (const char of `${fork.owner}/${fork.name}`.toLowerCase())
    hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 200_000_000 + (hash % 100_000_000);
}
