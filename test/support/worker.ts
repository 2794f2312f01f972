import type { Twin } from '../../src/twin/index.js';
import { client } from './twin.js';

/**
 * What a worker does first with its claim, as far as the ledger can see: its branch
 * `ai-feature/issue-N` gets a commit carrying the claim's trailers. A recovery reads them back.
 */
export async function startWorkers(
  twin: Twin,
  matrix: readonly { issue: number; claim: string; epoch: number }[],
): Promise<void> {
  const api = client(twin);
  for (const entry of matrix) {
    const branch = `ai-feature/issue-${entry.issue}`;
    const ref = await api.request('GET', `/repos/acme/shop/git/ref/heads/${branch}`);
    let head: string = ref.status === 200 ? ref.body.object.sha : '';
    if (!head) {
      head = (await api.request('GET', '/repos/acme/shop/git/ref/heads/main')).body.object.sha;
      await api.request('POST', '/repos/acme/shop/git/refs', {
        ref: `refs/heads/${branch}`,
        sha: head,
      });
    }
    await api.graphql(
      'mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }',
      {
        input: {
          branch: { repositoryNameWithOwner: 'acme/shop', branchName: branch },
          expectedHeadOid: head,
          message: {
            headline: `Checkpoint for #${entry.issue}`,
            body: `AI-Scrum-Claim: ${entry.claim}\nAI-Scrum-Epoch: ${entry.epoch}`,
          },
          fileChanges: {
            additions: [
              {
                path: `work/${entry.issue}.txt`,
                contents: Buffer.from(entry.claim).toString('base64'),
              },
            ],
          },
        },
      },
    );
  }
}
