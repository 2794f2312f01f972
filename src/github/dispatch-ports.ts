import type { DispatchPorts } from '../dispatch/dispatch.js';
import type { GitHubClient } from './client.js';
import { GitHubDispatchAdapter } from './dispatch-adapter.js';
import { GitHubLedgerAdapter } from './ledger-adapter.js';

/** Dispatch's ports on GitHub: what entry points hand the use case. */
export function gitHubDispatchPorts(
  client: GitHubClient,
  repo: { owner: string; repo: string },
): DispatchPorts {
  return {
    github: new GitHubDispatchAdapter(client, repo),
    ledger: new GitHubLedgerAdapter(client, repo),
  };
}
