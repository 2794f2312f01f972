/** Dispatch's GraphQL documents: what it reads besides the ledger, and how it labels. */

/** Pull requests labelled for conflict resolution: whose, from where, and who labelled them. */
const CONFLICT_PULLS_FRAGMENT = /* GraphQL */ `
  fragment ConflictPulls on PullRequestConnection {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      number
      title
      headRefName
      isCrossRepository
      author {
        __typename
        login
      }
      timelineItems(last: 10, itemTypes: [LABELED_EVENT]) {
        nodes {
          ... on LabeledEvent {
            actor {
              __typename
              login
            }
            label {
              name
            }
          }
        }
      }
    }
  }
`;

/**
 * What dispatch reads first, in one request: pull requests handed back for conflict resolution,
 * the in-progress label's id and the repository's collaborators with their permission.
 */
export const DISPATCH_OVERVIEW_QUERY = /* GraphQL */ `
  query DispatchOverview(
    $owner: String!
    $name: String!
    $conflict: String!
    $inProgress: String!
    $failed: String!
  ) {
    viewer {
      login
    }
    repository(owner: $owner, name: $name) {
      defaultBranchRef {
        name
      }
      label(name: $inProgress) {
        id
      }
      failedLabel: label(name: $failed) {
        id
      }
      conflicts: pullRequests(first: 50, states: OPEN, labels: [$conflict]) {
        ...ConflictPulls
      }
      collaborators(first: 100) {
        totalCount
        edges {
          permission
          node {
            login
          }
        }
      }
    }
    rateLimit {
      cost
      remaining
    }
  }

  ${CONFLICT_PULLS_FRAGMENT}
`;

/** The next page of conflict pull requests: anyone who can label may add many. */
export const CONFLICT_PULLS_QUERY = /* GraphQL */ `
  query ConflictPulls($owner: String!, $name: String!, $conflict: String!, $cursor: String!) {
    repository(owner: $owner, name: $name) {
      conflicts: pullRequests(first: 50, after: $cursor, states: OPEN, labels: [$conflict]) {
        ...ConflictPulls
      }
    }
  }

  ${CONFLICT_PULLS_FRAGMENT}
`;

/** A label's node id, read back when creating it may or may not have happened. */
export const LABEL_QUERY = /* GraphQL */ `
  query Label($owner: String!, $name: String!, $label: String!) {
    repository(owner: $owner, name: $name) {
      label(name: $label) {
        id
      }
    }
  }
`;

/** Who applied labels and renamed an issue, every edit of its text, and its place among siblings. */
export const ISSUE_DETAILS_FRAGMENT = /* GraphQL */ `
  fragment IssueDetails on Issue {
    number
    lastEditedAt
    editor {
      __typename
      login
    }
    userContentEdits(first: 50) {
      totalCount
      nodes {
        editedAt
        editor {
          __typename
          login
        }
      }
    }
    timelineItems(last: 25, itemTypes: [LABELED_EVENT, RENAMED_TITLE_EVENT]) {
      nodes {
        __typename
        ... on LabeledEvent {
          createdAt
          actor {
            __typename
            login
          }
          label {
            name
          }
        }
        ... on RenamedTitleEvent {
          createdAt
          actor {
            __typename
            login
          }
        }
      }
    }
    parent {
      number
      subIssues(first: 50) {
        nodes {
          number
          state
        }
      }
    }
  }
`;

/** Details of several issues and the state of issues they reference, in one request. */
export function issueDetailsQuery(
  issues: readonly number[],
  references: readonly number[],
): string {
  const details = issues.map(
    (n) => `    i${n}: issue(number: ${Math.trunc(n)}) {
      ...IssueDetails
    }`,
  );
  const states = references.map(
    (n) => `    r${n}: issueOrPullRequest(number: ${Math.trunc(n)}) {
      ... on Issue {
        issueState: state
      }
      ... on PullRequest {
        pullState: state
      }
    }`,
  );
  return `query IssueDetails($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
${[...details, ...states].join('\n')}
  }
}
${ISSUE_DETAILS_FRAGMENT}`;
}

/** The permission of several logins, in one request; a login that is no collaborator has no edge. */
export function collaboratorPermissionsQuery(logins: readonly string[]): string {
  const lookups = logins.map(
    (login, i) => `    c${i}: collaborators(first: 1, login: ${JSON.stringify(login)}) {
      edges {
        permission
        node {
          login
        }
      }
    }`,
  );
  return `query CollaboratorPermissions($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
${lookups.join('\n')}
  }
}
`;
}

/**
 * Labels added and removed and comments written on many issues in one request. Each change is
 * its own aliased mutation; they apply in order, so a comment never lands without its label.
 */
export function settleMutation(counts: { add: number; remove: number; comment: number }): string {
  const variables: string[] = [];
  const fields: string[] = [];
  for (let i = 0; i < counts.add; i++) {
    variables.push(`$a${i}: ID!`, `$al${i}: ID!`);
    fields.push(`  a${i}: addLabelsToLabelable(input: { labelableId: $a${i}, labelIds: [$al${i}] }) {
    clientMutationId
  }`);
  }
  for (let i = 0; i < counts.remove; i++) {
    variables.push(`$r${i}: ID!`, `$rl${i}: ID!`);
    fields.push(`  r${i}: removeLabelsFromLabelable(input: { labelableId: $r${i}, labelIds: [$rl${i}] }) {
    clientMutationId
  }`);
  }
  for (let i = 0; i < counts.comment; i++) {
    variables.push(`$c${i}: ID!`, `$cb${i}: String!`);
    fields.push(`  c${i}: addComment(input: { subjectId: $c${i}, body: $cb${i} }) {
    clientMutationId
  }`);
  }
  return `mutation Settle(${variables.join(', ')}) {
${fields.join('\n')}
}
`;
}
