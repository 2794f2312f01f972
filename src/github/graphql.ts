/**
 * Every GraphQL document the toolkit sends, as named constants. A contract test validates each one
 * against GitHub's published schema, and fails when a document appears anywhere else in src/.
 */

/** Who the token acts as, and what the call cost: the cheapest possible probe. */
export const VIEWER_QUERY = /* GraphQL */ `
  query Viewer {
    viewer {
      login
    }
    rateLimit {
      cost
      limit
      remaining
      resetAt
    }
  }
`;

/** A tracking issue and the latest page of its ledger comments. */
const TRACKING_ISSUE_FRAGMENT = /* GraphQL */ `
  fragment TrackingIssue on Issue {
    number
    id
    body
    author {
      __typename
      login
    }
    comments(last: 100) {
      totalCount
      nodes {
        databaseId
        body
        createdAt
        author {
          __typename
          login
        }
      }
    }
  }
`;

/**
 * What dispatch reads first, in one request: the open tracking issues with the ledger's latest
 * comments, pull requests handed back for conflict resolution, the in-progress label's id and the
 * repository's collaborators with their permission.
 */
export const DISPATCH_OVERVIEW_QUERY = /* GraphQL */ `
  query DispatchOverview(
    $owner: String!
    $name: String!
    $coordination: String!
    $conflict: String!
    $inProgress: String!
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
      tracking: issues(
        first: 5
        states: OPEN
        labels: [$coordination]
        orderBy: { field: CREATED_AT, direction: ASC }
      ) {
        nodes {
          ...TrackingIssue
        }
      }
      conflicts: pullRequests(first: 50, states: OPEN, labels: [$conflict]) {
        nodes {
          number
          title
          headRefName
        }
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

  ${TRACKING_ISSUE_FRAGMENT}
`;

/** The ledger alone, read again after appending to it, to learn which claims won. */
export const LEDGER_QUERY = /* GraphQL */ `
  query Ledger($owner: String!, $name: String!, $coordination: String!) {
    viewer {
      login
    }
    repository(owner: $owner, name: $name) {
      tracking: issues(
        first: 5
        states: OPEN
        labels: [$coordination]
        orderBy: { field: CREATED_AT, direction: ASC }
      ) {
        nodes {
          ...TrackingIssue
        }
      }
    }
  }

  ${TRACKING_ISSUE_FRAGMENT}
`;

/** Who applied labels and renamed an issue, its last body edit, and its place among siblings. */
export const ISSUE_DETAILS_FRAGMENT = /* GraphQL */ `
  fragment IssueDetails on Issue {
    number
    lastEditedAt
    editor {
      __typename
      login
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

/** One label added to many issues or pull requests in a single request. */
export function addLabelMutation(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$i${i}: ID!`).join(', ');
  const additions = Array.from(
    { length: count },
    (_, i) => `  a${i}: addLabelsToLabelable(input: { labelableId: $i${i}, labelIds: [$label] }) {
    clientMutationId
  }`,
  );
  return `mutation AddLabel($label: ID!, ${variables}) {
${additions.join('\n')}
}
`;
}

/** Every document, with the generated ones in a representative instance, for the contract test. */
export const GRAPHQL_DOCUMENTS: Readonly<Record<string, string>> = {
  VIEWER_QUERY,
  DISPATCH_OVERVIEW_QUERY,
  LEDGER_QUERY,
  issueDetailsQuery: issueDetailsQuery([1, 2], [3]),
  collaboratorPermissionsQuery: collaboratorPermissionsQuery(['alice', 'bob']),
  addLabelMutation: addLabelMutation(2),
};
