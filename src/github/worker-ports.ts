import type { WorkerConnect } from '../worker/run.js';
import { GitHubLedgerAdapter } from './ledger-adapter.js';
import { GitHubWorkerAdapter } from './worker-adapter.js';

/** The worker's ports on GitHub: what entry points hand the use case. */
export const gitHubWorkerPorts: WorkerConnect = (client, repo) => ({
  github: new GitHubWorkerAdapter(client, repo),
  ledger: new GitHubLedgerAdapter(client, repo),
});
