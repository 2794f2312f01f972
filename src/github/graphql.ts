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

/** Open issues carrying one label, with what eligibility and ordering need, 100 a page. */
export const READY_ISSUES_QUERY = /* GraphQL */ `
  query ReadyIssues($owner: String!, $name: String!, $label: String!, $cursor: String) {
    repository(owner: $owner, name: $name) {
      issues(
        first: 100
        after: $cursor
        states: OPEN
        labels: [$label]
        orderBy: { field: CREATED_AT, direction: ASC }
      ) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          number
          databaseId
          title
          body
          createdAt
          lastEditedAt
          editor {
            login
          }
          author {
            login
          }
          labels(first: 20) {
            nodes {
              name
            }
          }
          timelineItems(last: 5, itemTypes: [LABELED_EVENT]) {
            nodes {
              ... on LabeledEvent {
                createdAt
                actor {
                  login
                }
                label {
                  name
                }
              }
            }
          }
          subIssues(first: 10) {
            nodes {
              number
              state
            }
          }
        }
      }
    }
    rateLimit {
      cost
      remaining
    }
  }
`;

export const GRAPHQL_DOCUMENTS: Readonly<Record<string, string>> = {
  VIEWER_QUERY,
  READY_ISSUES_QUERY,
};
