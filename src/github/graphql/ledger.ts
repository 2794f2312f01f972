/** The ledger's GraphQL documents: who the token is, the tracking issues, their logs. */

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

/** A page of a tracking issue's log, with each comment's edit, and the deletions. */
export const LEDGER_LOG_FRAGMENT = /* GraphQL */ `
  fragment LedgerLog on Issue {
    number
    comments(first: 100, after: $cursor) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        databaseId
        body
        createdAt
        lastEditedAt
        editor {
          __typename
          login
        }
        author {
          __typename
          login
        }
        original: userContentEdits(last: 1) {
          nodes {
            diff
          }
        }
      }
    }
    timelineItems(last: 50, itemTypes: [COMMENT_DELETED_EVENT]) {
      nodes {
        __typename
        ... on CommentDeletedEvent {
          createdAt
          actor {
            __typename
            login
          }
          deletedCommentAuthor {
            __typename
            login
          }
        }
      }
    }
  }
`;

/**
 * Issues opened by one identity (`my-app[bot]` for an app), in any state, labelled or not: the
 * candidates for the ledger's chain of tracking issues. Their first comment's author tells whether
 * they hold entries; their descriptions carry the chain marker. The newest open ones come with the
 * first page of their log, so the head is usually read in this same request. A fragment, so that
 * another action's first request can bring the first page along (`@include`) when it can tell
 * whose issues to ask for.
 */
export const TRACKING_CANDIDATES_FRAGMENT = /* GraphQL */ `
  fragment TrackingCandidatesPage on Repository {
    live: issues(
      first: 3
      filterBy: { createdBy: $author }
      states: OPEN
      orderBy: { field: CREATED_AT, direction: DESC }
    ) {
      nodes {
        ...LedgerLog
      }
    }
    issues(
      first: 100
      after: $after
      filterBy: { createdBy: $author }
      states: [OPEN, CLOSED]
      orderBy: { field: CREATED_AT, direction: ASC }
    ) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        number
        state
        body
        lastEditedAt
        editor {
          __typename
          login
        }
        author {
          __typename
          login
        }
        labels(first: 20) {
          nodes {
            name
          }
        }
        comments(first: 1) {
          totalCount
          nodes {
            author {
              __typename
              login
            }
          }
        }
        deleted: timelineItems(last: 20, itemTypes: [COMMENT_DELETED_EVENT]) {
          nodes {
            ... on CommentDeletedEvent {
              createdAt
              actor {
                __typename
                login
              }
              deletedCommentAuthor {
                __typename
                login
              }
            }
          }
        }
        timelineItems(last: 10, itemTypes: [CLOSED_EVENT, UNLABELED_EVENT]) {
          nodes {
            __typename
            ... on ClosedEvent {
              createdAt
              actor {
                __typename
                login
              }
            }
            ... on UnlabeledEvent {
              createdAt
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
  }
`;

/** The candidates, a page at a time. */
export const TRACKING_CANDIDATES_QUERY = /* GraphQL */ `
  query TrackingCandidates(
    $owner: String!
    $name: String!
    $author: String!
    $after: String
    $cursor: String
  ) {
    repository(owner: $owner, name: $name) {
      ...TrackingCandidatesPage
    }
  }

  ${TRACKING_CANDIDATES_FRAGMENT}
  ${LEDGER_LOG_FRAGMENT}
`;

/** A tracking issue's log, a page at a time. */
export const LEDGER_LOG_QUERY = /* GraphQL */ `
  query LedgerLog($owner: String!, $name: String!, $number: Int!, $cursor: String) {
    repository(owner: $owner, name: $name) {
      issue(number: $number) {
        ...LedgerLog
      }
    }
  }

  ${LEDGER_LOG_FRAGMENT}
`;
