/** The worker's GraphQL documents: everything it starts from in one read, and its settling write. */

import { LEDGER_LOG_FRAGMENT, TRACKING_CANDIDATES_FRAGMENT } from './ledger.js';

/** How many label names one context read looks up; unused slots repeat the first name. */
export const WORKER_LABEL_SLOTS = 5;

/**
 * Everything a worker starts from, in one request: who the token is, the default branch and its
 * head, the issue with its labels and latest comments, the work branch's head commit, the open
 * pull requests from a branch of that name (a fork's too: the adapter keeps this repository's)
 * with their latest comments (the merge gate's sticky comment is among them), and the node ids of
 * up to WORKER_LABEL_SLOTS labels by name.
 */
export const WORKER_CONTEXT_QUERY = /* GraphQL */ `
  query WorkerContext(
    $owner: String!
    $name: String!
    $number: Int!
    $branch: String!
    $qualifiedBranch: String!
    $label0: String!
    $label1: String!
    $label2: String!
    $label3: String!
    $label4: String!
    $withLedger: Boolean = false
    $author: String = ""
    $after: String
    $cursor: String
  ) {
    viewer {
      __typename
      login
    }
    # The ledger's tracking issues, when the caller can tell whose: the first page saves a request.
    ledger: repository(owner: $owner, name: $name) @include(if: $withLedger) {
      ...TrackingCandidatesPage
    }
    repository(owner: $owner, name: $name) {
      defaultBranchRef {
        name
        target {
          oid
        }
      }
      issue(number: $number) {
        id
        databaseId
        number
        title
        body
        state
        labels(first: 100) {
          nodes {
            name
          }
        }
        comments(last: 30) {
          nodes {
            id
            databaseId
            body
            author {
              __typename
              login
            }
          }
        }
      }
      ref(qualifiedName: $qualifiedBranch) {
        target {
          oid
          ... on Commit {
            message
          }
        }
      }
      pullRequests(headRefName: $branch, states: OPEN, first: 10) {
        nodes {
          number
          id
          url
          isDraft
          body
          headRefOid
          baseRefName
          headRepository {
            nameWithOwner
          }
          author {
            __typename
            login
          }
          comments(last: 30) {
            nodes {
              body
              author {
                __typename
                login
              }
            }
          }
        }
      }
      label0: label(name: $label0) {
        id
        name
      }
      label1: label(name: $label1) {
        id
        name
      }
      label2: label(name: $label2) {
        id
        name
      }
      label3: label(name: $label3) {
        id
        name
      }
      label4: label(name: $label4) {
        id
        name
      }
    }
  }

  ${TRACKING_CANDIDATES_FRAGMENT}
  ${LEDGER_LOG_FRAGMENT}
`;

/** A page of an issue's or a pull request's comments, newest first, to find one by its marker. */
export const WORKER_COMMENTS_QUERY = /* GraphQL */ `
  query WorkerComments($owner: String!, $name: String!, $number: Int!, $cursor: String) {
    repository(owner: $owner, name: $name) {
      issueOrPullRequest(number: $number) {
        ... on Issue {
          comments(last: 100, before: $cursor) {
            ...WorkerCommentPage
          }
        }
        ... on PullRequest {
          comments(last: 100, before: $cursor) {
            ...WorkerCommentPage
          }
        }
      }
    }
  }

  fragment WorkerCommentPage on IssueCommentConnection {
    pageInfo {
      hasPreviousPage
      startCursor
    }
    nodes {
      id
      databaseId
      body
      author {
        __typename
        login
      }
    }
  }
`;

/** Which parts a settlement holds: the mutation asks for those and no others. */
export interface WorkerSettleParts {
  pullBody: boolean;
  ready: boolean;
  addLabels: boolean;
  removeLabels: boolean;
  progress: boolean;
}

/**
 * The end of a worker's run in one request. Root fields of a mutation run in order: the pull
 * request's body, then ready for review, then labels added before labels removed (the issue never
 * shows no state), and the progress comment last, so it never reports what did not happen.
 */
export function workerSettleMutation(parts: WorkerSettleParts): string {
  const variables: string[] = [];
  const fields: string[] = [];
  if (parts.pullBody) {
    variables.push('$pull: ID!', '$pullBody: String!');
    fields.push(`  pullBody: updatePullRequest(input: { pullRequestId: $pull, body: $pullBody }) {
    clientMutationId
  }`);
  }
  if (parts.ready) {
    if (!parts.pullBody) variables.push('$pull: ID!');
    fields.push(`  ready: markPullRequestReadyForReview(input: { pullRequestId: $pull }) {
    clientMutationId
  }`);
  }
  if (parts.addLabels || parts.removeLabels) variables.push('$issue: ID!');
  if (parts.addLabels) {
    variables.push('$add: [ID!]!');
    fields.push(`  add: addLabelsToLabelable(input: { labelableId: $issue, labelIds: $add }) {
    clientMutationId
  }`);
  }
  if (parts.removeLabels) {
    variables.push('$remove: [ID!]!');
    fields.push(`  remove: removeLabelsFromLabelable(input: { labelableId: $issue, labelIds: $remove }) {
    clientMutationId
  }`);
  }
  if (parts.progress) {
    variables.push('$comment: ID!', '$progress: String!');
    fields.push(`  progress: updateIssueComment(input: { id: $comment, body: $progress }) {
    clientMutationId
  }`);
  }
  return `mutation WorkerSettle(${variables.join(', ')}) {
${fields.join('\n')}
}
`;
}
