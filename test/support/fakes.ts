import type { BacklogIssue, IssueDetails, Permission } from '../../src/backlog/issue.js';
import type { Details, DispatchPort, IssueChanges, Overview } from '../../src/dispatch/port.js';
import { identityKey, type Identity } from '../../src/ledger/identity.js';

/** An in-memory DispatchPort: the backlog, the tree and who may do what, and every change asked. */
export class FakeDispatchPort implements DispatchPort {
  backlogIssues: (BacklogIssue & { nodeId: string })[] = [];
  details_ = new Map<number, IssueDetails>();
  files: string[] = [];
  collaborators = new Map<string, Permission>();
  labelIds = new Map<string, string>();
  finished = new Set<number>();
  settled: IssueChanges[] = [];
  lookups = 0;

  async overview(labels: {
    conflict: string;
    inProgress: string;
    failed: string;
  }): Promise<Overview> {
    return {
      defaultBranch: 'main',
      conflicts: [],
      inProgressLabelId: this.labelIds.get(labels.inProgress) ?? null,
      failedLabelId: this.labelIds.get(labels.failed) ?? null,
      collaborators: this.collaborators,
    };
  }

  async backlog() {
    return this.backlogIssues;
  }

  async tree() {
    return { paths: this.files, truncated: false };
  }

  async finishedRuns() {
    return this.finished;
  }

  async details(issues: readonly number[]): Promise<Details> {
    this.lookups++;
    return {
      details: new Map(
        issues.flatMap((n) => (this.details_.has(n) ? [[n, this.details_.get(n)!]] : [])),
      ),
      referenced: new Map(),
    };
  }

  async permissions(identities: readonly Identity[]) {
    return new Map(
      identities.map((who) => [
        identityKey(who),
        this.collaborators.get(who.login) ?? ('read' as Permission),
      ]),
    );
  }

  async createLabel(name: string) {
    const id = `L_${name}`;
    this.labelIds.set(name, id);
    return id;
  }

  async settle(changes: IssueChanges) {
    this.settled.push(changes);
  }
}
