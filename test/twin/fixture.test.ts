import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixtureError, parseFixture, startTwin, type FixtureInput } from '../../src/twin/index.js';
import { ROOT } from '../support/source.js';
import { client, shopFixture } from '../support/twin.js';

describe('twin fixtures', () => {
  it('accepts the documented example and fills defaults', () => {
    const fixture = parseFixture(shopFixture());
    expect(fixture.repository.protection).toEqual({
      requiredChecks: ['test'],
      requiredApprovals: 0,
      requireUpToDate: false,
      mergeQueue: false,
      allowForcePushes: false,
      allowDeletions: false,
      enforceAdmins: false,
    });
    expect(fixture.timing).toEqual({ mergeableUnknownReads: 1, asyncDelayMs: 0 });
    expect(fixture.workflows).toEqual([]);
    expect(fixture.issues[1]).toMatchObject({ body: '', state: 'open', labels: [], blockedBy: [] });
    expect(fixture.limits).toMatchObject({
      restPerHour: 5000,
      contentPerMinute: 80,
      contentPerHour: 500,
    });
  });

  it('accepts the example with forks, a user and an app of one name, locks and lost answers', async () => {
    const input = JSON.parse(
      readFileSync(join(ROOT, 'examples/twin/forks-and-apps.json'), 'utf8'),
    ) as FixtureInput;
    const fixture = parseFixture(input);
    expect(fixture.pullRequests.map((p) => [p.number, p.headRepository?.owner ?? null])).toEqual([
      [3, 'eve'],
      [4, null],
    ]);
    const twin = await startTwin(input);
    try {
      const pull = await client(twin).request('GET', '/repos/acme/shop/pulls/3');
      expect(pull.body.head).toMatchObject({ label: 'eve:patch-1', repo: { fork: true } });
      const issue = await client(twin).request('GET', '/repos/acme/shop/issues/2');
      expect(issue.body).toMatchObject({ locked: true, user: { login: 'my-app[bot]' } });
    } finally {
      await twin.stop();
    }
  });

  it('rejects an unknown key and says where it is', () => {
    const input = shopFixture() as Record<string, any>;
    input['repository']['protections'] = {};
    input['issues'][0]['priority'] = 'high';
    expect(() => parseFixture(input)).toThrow(FixtureError);
    try {
      parseFixture(input);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('fixture.repository: Unrecognized key: "protections"');
      expect(message).toContain('fixture.issues[0]: Unrecognized key: "priority"');
    }
  });

  it.each([
    [(f: any) => (f.tokens.ghp_eve = 'eve'), "fixture.tokens.ghp_eve: unknown user 'eve'"],
    [
      (f: any) => (f.issues[0].labels[0].name = 'urgent'),
      "fixture.issues[0].labels[0].name: label 'urgent' is not in fixture.labels",
    ],
    [
      (f: any) => (f.issues[0].blockedBy = [9]),
      'fixture.issues[0].blockedBy: no issue #9 in the fixture',
    ],
    [(f: any) => (f.issues[1].number = 1), 'fixture.issues[1].number: duplicate issue number 1'],
    [(f: any) => (f.issues[0].createdAt = 'yesterday'), 'fixture.issues[0].createdAt'],
    [(f: any) => (f.users[1].permission = 'owner'), 'fixture.users[1].permission'],
    [
      (f: any) => (f.repository.files['../etc/passwd'] = 'x'),
      'fixture.repository.files: "../etc/passwd" is not a relative file path inside the repository',
    ],
    [
      (f: any) => (f.faults = { rules: [{ route: '*', probability: 0.5, kind: 'status' }] }),
      "rule '*' of kind status needs a status",
    ],
    [
      (f: any) => (f.faults = { rules: [{ route: '*', probability: 1, kind: 'applied-status' }] }),
      "fixture.faults.rules[0]: rule '*' of kind applied-status needs a status",
    ],
    [
      (f: any) =>
        (f.faults = {
          rules: [{ route: '*', probability: 1, kind: 'applied-status', status: 429 }],
        }),
      "rule '*' of kind applied-status needs a 5xx status",
    ],
  ])('names the problem: %#', (mutate, expected) => {
    const input = shopFixture();
    mutate(input);
    expect(() => parseFixture(input)).toThrow(expected);
  });
});
