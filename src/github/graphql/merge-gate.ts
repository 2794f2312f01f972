/** The merge gate's GraphQL documents: one read of all the evidence, and its writes. */
import { LEDGER_LOG_FRAGMENT, TRACKING_CANDIDATES_FRAGMENT } from './ledger.js';

/**
 * Everything the gate judges a pull request on, in one request: its state and mergeability, the
 * head commit's message (claim trailers) and checks with whether each is required, the files,
 * the latest approvals from people with write access, the issue it closes with its labels, the
 * base's recorded coverage, whether the base has a merge queue, whether GitHub deletes head
 * branches on merge, and the gate's own comment.
 */
export const GATE_PULL_QUERY = /* GraphQL */ `
  query GatePull(
    $owner: String!
    $repo: String!
    $number: Int!
    $coverageContext: String!
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
    ledger: repository(owner: $owner, name: $repo) @include(if: $withLedger) {
      ...TrackingCandidatesPage
    }
    repository(owner: $owner, name: $repo) {
      defaultBranchRef {
        name
      }
      mergeQueue {
        id
      }
      deleteBranchOnMerge
      pullRequest(number: $number) {
        id
        number
        state
        isDraft
        body
        author {
          __typename
          login
        }
        isCrossRepository
        headRefName
        headRefOid
        baseRefName
        baseRefOid
        mergeable
        mergeStateStatus
        labels(first: 100) {
          nodes {
            name
          }
        }
        autoMergeRequest {
          enabledAt
        }
        isInMergeQueue
        commits(last: 20) {
          nodes {
            commit {
              oid
              message
              parents(first: 2) {
                totalCount
              }
            }
          }
        }
        statusCheckRollup {
          contexts(first: 100) {
            totalCount
            nodes {
              __typename
              ... on CheckRun {
                name
                status
                conclusion
                isRequired(pullRequestNumber: $number)
              }
              ... on StatusContext {
                context
                state
                isRequired(pullRequestNumber: $number)
              }
            }
          }
        }
        files(first: 100) {
          totalCount
          nodes {
            path
            changeType
            additions
            deletions
          }
        }
        latestOpinionatedReviews(first: 100, writersOnly: true) {
          nodes {
            state
            commit {
              oid
            }
            author {
              __typename
              login
            }
          }
        }
        closingIssuesReferences(first: 5) {
          nodes {
            number
            state
            labels(first: 100) {
              nodes {
                name
              }
            }
            parent {
              number
              state
              subIssuesSummary {
                total
                completed
              }
            }
          }
        }
        baseRef {
          target {
            __typename
            ... on Commit {
              status {
                context(name: $coverageContext) {
                  state
                  description
                  creator {
                    __typename
                    login
                  }
                }
              }
            }
          }
        }
        comments(last: 100) {
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
    }
  }

  ${TRACKING_CANDIDATES_FRAGMENT}
  ${LEDGER_LOG_FRAGMENT}
`;

export const ENABLE_AUTO_MERGE_MUTATION = /* GraphQL */ `
  mutation GateAutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!, $head: GitObjectID!) {
    enablePullRequestAutoMerge(
      input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $head }
    ) {
      pullRequest {
        autoMergeRequest {
          enabledAt
        }
      }
    }
  }
`;

export const ENQUEUE_MUTATION = /* GraphQL */ `
  mutation GateEnqueue($id: ID!, $head: GitObjectID!) {
    enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $head }) {
      mergeQueueEntry {
        position
        state
      }
    }
  }
`;

export const UPDATE_BRANCH_MUTATION = /* GraphQL */ `
  mutation GateUpdateBranch($id: ID!, $head: GitObjectID!) {
    updatePullRequestBranch(input: { pullRequestId: $id, expectedHeadOid: $head }) {
      pullRequest {
        number
      }
    }
  }
`;

export const DISABLE_AUTO_MERGE_MUTATION = /* GraphQL */ `
  mutation GateDisableAutoMerge($id: ID!) {
    disablePullRequestAutoMerge(input: { pullRequestId: $id }) {
      pullRequest {
        number
      }
    }
  }
`;

export const DEQUEUE_MUTATION = /* GraphQL */ `
  mutation GateDequeue($id: ID!) {
    dequeuePullRequest(input: { id: $id }) {
      mergeQueueEntry {
        state
      }
    }
  }
`;
