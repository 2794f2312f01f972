import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { client, cloneUrl, git, shopFixture } from '../support/twin.js';

let twin: Twin;
let work: string;

beforeAll(async () => {
  twin = await startTwin(shopFixture());
  work = mkdtempSync(join(tmpdir(), 'ai-scrum-git-'));
});
afterAll(async () => {
  await twin.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('git smart HTTP', () => {
  it('clones with a token and sees the fixture files', async () => {
    await git(['clone', '-q', cloneUrl(twin, 'ghs_bot'), 'shop'], work);
    expect(readFileSync(join(work, 'shop/src/cart.ts'), 'utf8')).toBe('export const x = 1;\n');
  });

  it('refuses a clone without a token or with an unknown one', async () => {
    await expect(git(['clone', '-q', cloneUrl(twin), 'anonymous'], work)).rejects.toThrow(
      /could not read Username|Authentication failed|401/,
    );
    await expect(
      git(['clone', '-q', cloneUrl(twin, 'ghp_forged'), 'forged'], work),
    ).rejects.toThrow(/Authentication failed|401/);
  });

  it('pushes a branch that the REST API then sees', async () => {
    const shop = join(work, 'shop');
    await git(['checkout', '-q', '-b', 'ai-feature/issue-1'], shop);
    writeFileSync(join(shop, 'src/tax.ts'), 'export const tax = 0.2;\n');
    await git(['add', '.'], shop);
    await git(['commit', '-q', '-m', 'Add tax'], shop);
    await git(['push', '-q', 'origin', 'ai-feature/issue-1'], shop);
    const local = (await git(['rev-parse', 'HEAD'], shop)).trim();
    const ref = await client(twin).request(
      'GET',
      '/repos/acme/shop/git/ref/heads/ai-feature/issue-1',
    );
    expect(ref.body.object.sha).toBe(local);
  });

  it('refuses a push from a user with read access only', async () => {
    const shop = join(work, 'shop');
    await git(['remote', 'add', 'mallory', cloneUrl(twin, 'ghp_mallory')], shop);
    await expect(git(['push', '-q', 'mallory', 'HEAD:refs/heads/evil'], shop)).rejects.toThrow(
      /denied to mallory|403/,
    );
    expect((await client(twin).request('GET', '/repos/acme/shop/git/ref/heads/evil')).status).toBe(
      404,
    );
  });
});
