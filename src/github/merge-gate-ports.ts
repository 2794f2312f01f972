import type { GateConnect } from '../merge-gate/run.js';
import { GitHubLedgerAdapter, TrackingPrefetch } from './ledger-adapter.js';
import { GitHubMergeGateAdapter } from './merge-gate-adapter.js';

/** The merge gate's ports on GitHub: what entry points hand the use case. */
export const gitHubMergeGatePorts: GateConnect = (client, repo, ownContexts) => {
  // The pull request's read can bring the ledger's first page along: both adapters share it.
  const prefetch = new TrackingPrefetch();
  return {
    github: new GitHubMergeGateAdapter(client, repo, ownContexts, prefetch),
    ledger: new GitHubLedgerAdapter(client, repo, prefetch),
  };
};
