import type { Twin } from '../../src/twin/index.js';
import { client } from './twin.js';

type Api = ReturnType<typeof client>;

/** A commit on a branch of acme/shop (created from main when missing), through the API. */
export async function commitToBranch(
  api: Api,
  branch: string,
  message: { headline: string; body?: string },
  file: { path: string; contents: string },
): Promise<void> {
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
        message,
        fileChanges: {
          additions: [{ path: file.path, contents: Buffer.from(file.contents).toString('base64') }],
        },
      },
    },
  );
}

/** A pull request from `ai-feature/issue-N` with one commit, opened by the API client's user. */
export async function openFeaturePull(
  api: Api,
  issue: number,
  file: { path: string; contents: string },
): Promise<{ number: number }> {
  const branch = `ai-feature/issue-${issue}`;
  await commitToBranch(api, branch, { headline: `Work on #${issue}` }, file);
  return (
    await api.request('POST', '/repos/acme/shop/pulls', {
      title: `Issue ${issue}`,
      head: branch,
      base: 'main',
    })
  ).body;
}

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
    await commitToBranch(
      api,
      `ai-feature/issue-${entry.issue}`,
      {
        headline: `Checkpoint for #${entry.issue}`,
        body: `AI-Scrum-Claim: ${entry.claim}\nAI-Scrum-Epoch: ${entry.epoch}`,
      },
      { path: `work/${entry.issue}.txt`, contents: entry.claim },
    );
  }
}
