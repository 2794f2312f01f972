import type { WorkerConnect } from '../worker/run.js';
import { GitHubLedgerAdapter, TrackingPrefetch } from './ledger-adapter.js';
import { GitHubWorkerAdapter } from './worker-adapter.js';

/** The worker's ports on GitHub: what entry points hand the use case. */
export const gitHubWorkerPorts: WorkerConnect = (client, repo) => {
  // The context read can bring the ledger's first page along: both adapters share it.
  const prefetch = new TrackingPrefetch();
  return {
    github: new GitHubWorkerAdapter(client, repo, prefetch),
    ledger: new GitHubLedgerAdapter(client, repo, prefetch),
  };
};
