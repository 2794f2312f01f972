/**
 * Every GraphQL document the toolkit sends, as named constants, one module per action under
 * graphql/. A contract test validates each one against GitHub's published schema, and fails when
 * a document appears anywhere else in src/.
 */
import {
  collaboratorPermissionsQuery,
  CONFLICT_PULLS_QUERY,
  DISPATCH_OVERVIEW_QUERY,
  issueDetailsQuery,
  LABEL_QUERY,
  settleMutation,
} from './graphql/dispatch.js';
import { LEDGER_LOG_QUERY, TRACKING_CANDIDATES_QUERY, VIEWER_QUERY } from './graphql/ledger.js';
import {
  DEQUEUE_MUTATION,
  DISABLE_AUTO_MERGE_MUTATION,
  ENABLE_AUTO_MERGE_MUTATION,
  ENQUEUE_MUTATION,
  GATE_PULL_QUERY,
  UPDATE_BRANCH_MUTATION,
} from './graphql/merge-gate.js';
import {
  addProjectItemsMutation,
  projectStatusQuery,
  setProjectStatusMutation,
} from './graphql/projects.js';
import {
  WORKER_COMMENTS_QUERY,
  WORKER_CONTEXT_QUERY,
  workerSettleMutation,
} from './graphql/worker.js';

export * from './graphql/dispatch.js';
export * from './graphql/ledger.js';
export * from './graphql/merge-gate.js';
export * from './graphql/projects.js';
export * from './graphql/worker.js';

/** Every document, with the generated ones in a representative instance, for the contract test. */
export const GRAPHQL_DOCUMENTS: Readonly<Record<string, string>> = {
  VIEWER_QUERY,
  DISPATCH_OVERVIEW_QUERY,
  TRACKING_CANDIDATES_QUERY,
  LEDGER_LOG_QUERY,
  LABEL_QUERY,
  CONFLICT_PULLS_QUERY,
  issueDetailsQuery: issueDetailsQuery([1, 2], [3]),
  collaboratorPermissionsQuery: collaboratorPermissionsQuery(['alice', 'bob']),
  settleMutation: settleMutation({ add: 2, remove: 1, comment: 1 }),
  GATE_PULL_QUERY,
  ENABLE_AUTO_MERGE_MUTATION,
  ENQUEUE_MUTATION,
  UPDATE_BRANCH_MUTATION,
  DISABLE_AUTO_MERGE_MUTATION,
  DEQUEUE_MUTATION,
  WORKER_CONTEXT_QUERY,
  WORKER_COMMENTS_QUERY,
  workerSettleMutation: workerSettleMutation({
    pullBody: true,
    ready: true,
    addLabels: true,
    removeLabels: true,
    progress: true,
  }),
  workerSettleReadyOnly: workerSettleMutation({
    pullBody: false,
    ready: true,
    addLabels: false,
    removeLabels: false,
    progress: false,
  }),
  projectStatusQuery: projectStatusQuery('organization', [1, 2]),
  addProjectItemsMutation: addProjectItemsMutation(2),
  setProjectStatusMutation: setProjectStatusMutation(2),
};
