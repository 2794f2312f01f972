import type { GateConnect } from '../merge-gate/run.js';
import { GitHubLedgerAdapter } from './ledger-adapter.js';
import { GitHubMergeGateAdapter } from './merge-gate-adapter.js';

/** The merge gate's ports on GitHub: what entry points hand the use case. */
export const gitHubMergeGatePorts: GateConnect = (client, repo, ownContexts) => ({
  github: new GitHubMergeGateAdapter(client, repo, ownContexts),
  ledger: new GitHubLedgerAdapter(client, repo),
});
