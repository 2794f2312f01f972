/**
 * How a claim travels with the work: `AI-Scrum-Claim` and `AI-Scrum-Epoch` trailers on every
 * commit the worker makes, and a marker in its pull request's body. The merge gate reads both to
 * fence stale work; a recovery reads the trailers to rebuild the ledger.
 */

export interface ClaimMark {
  claim: string;
  epoch: number;
}

const CLAIM = /^[A-Za-z0-9._-]{1,100}$/;

/** The trailer block a worker's commit message ends with. */
export function claimTrailers(mark: ClaimMark): string {
  return `AI-Scrum-Claim: ${mark.claim}\nAI-Scrum-Epoch: ${mark.epoch}`;
}

/** The claim a commit message's trailers name, or null (both must be there and well formed). */
export function readClaimTrailers(message: string): ClaimMark | null {
  const trailer = (name: string) =>
    new RegExp(`^${name}:[ \\t]*(\\S+)[ \\t]*$`, 'mi').exec(message)?.[1] ?? null;
  return mark(trailer('AI-Scrum-Claim'), trailer('AI-Scrum-Epoch'));
}

const MARKER = /<!-- ai-scrum-claim v1 claim=(\S+) epoch=(\S+) -->/;

/** The hidden line a worker's pull request body carries. */
export function claimMarker(mark: ClaimMark): string {
  return `<!-- ai-scrum-claim v1 claim=${mark.claim} epoch=${mark.epoch} -->`;
}

export function readClaimMarker(body: string): ClaimMark | null {
  const found = MARKER.exec(body);
  return found ? mark(found[1]!, found[2]!) : null;
}

function mark(claim: string | null, epoch: string | null): ClaimMark | null {
  const number = Number(epoch);
  if (claim === null || !CLAIM.test(claim) || !Number.isSafeInteger(number) || number < 1)
    return null;
  return { claim, epoch: number };
}
