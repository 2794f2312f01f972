import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  accessSync,
  constants,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtml, type DemoReport } from '../src/cli/demo/report.js';

/**
 * The demo's HTML report as a reader sees it: rendered by renderHtml from a report a real
 * `npm run demo -- --json FILE` wrote (test/fixtures/demo-report.json), opened from disk in
 * headless Chromium. The page must load nothing but itself, raise no error, and draw what the
 * report holds; text from issues must stay text.
 *
 * Chromium comes from CHROMIUM_PATH, /usr/bin/chromium or `chromium` on PATH (Debian's package:
 * `apt-get install -y chromium`). Without it the suite is skipped, unless
 * AI_SCRUM_REQUIRE_BROWSER=1 (as CI sets): then it fails.
 */

const INSTALL_HINT =
  'install Chromium (Debian: `apt-get install -y chromium`) or set CHROMIUM_PATH to a Chromium executable';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findChromium(): { path: string | null; why: string } {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    return executable(fromEnv)
      ? { path: fromEnv, why: '' }
      : { path: null, why: `CHROMIUM_PATH=${fromEnv} is not an executable file` };
  }
  if (executable('/usr/bin/chromium')) return { path: '/usr/bin/chromium', why: '' };
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'chromium'))) return { path: join(dir, 'chromium'), why: '' };
  }
  return {
    path: null,
    why: 'no Chromium: CHROMIUM_PATH is unset, /usr/bin/chromium and PATH have none',
  };
}

const browserPath = findChromium();
const browserRequired = process.env.AI_SCRUM_REQUIRE_BROWSER === '1';

const HOSTILE = '<img src=x onerror=alert(1)><script>window.__pwned=1</script>';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/demo-report.json', import.meta.url), 'utf8'),
) as DemoReport;

/** What one visit of a rendered report saw. */
interface Visit {
  page: Page;
  url: string;
  pageErrors: string[];
  consoleErrors: string[];
  failedRequests: string[];
  /** Every request but the report file itself: the page must make none. */
  otherRequests: string[];
  dialogs: string[];
}

let dir: string;
let browser: Browser | undefined;
let plain: Visit;
let hostile: Visit;
let hostileReport: DemoReport;
let visits = 0;

async function visit(report: DemoReport): Promise<Visit> {
  const file = join(dir, `report-${++visits}.html`);
  writeFileSync(file, renderHtml(report));
  const url = pathToFileURL(file).href;
  const context = await browser!.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  // A missing element fails its check in seconds, not at the test's timeout.
  page.setDefaultTimeout(5_000);
  const seen: Visit = {
    page,
    url,
    pageErrors: [],
    consoleErrors: [],
    failedRequests: [],
    otherRequests: [],
    dialogs: [],
  };
  page.on('pageerror', (error) => seen.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.consoleErrors.push(message.text());
  });
  page.on('requestfailed', (request) =>
    seen.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`),
  );
  page.on('request', (request) => {
    if (request.url() !== url) seen.otherRequests.push(request.url());
  });
  page.on('dialog', (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // Nothing but the report itself may load: anything else is refused (and recorded above).
  await context.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
  );
  await page.goto(url, { waitUntil: 'load' });
  // Let anything a page might schedule (an image's onerror, a timer) run before the checks.
  await page.waitForTimeout(200);
  return seen;
}

/** The list or table that follows the heading with this text. */
const section = (page: Page, heading: string, follows: string) =>
  page.locator(`h2:text-is("${heading}") + ${follows}`);

const money = (text: string) => Number(text.replace(/^\$/, ''));

describe('the demo report fixture', () => {
  // The fixture is a real report: if DemoReport changes shape, this says so before the browser does.
  it('has the shape of a DemoReport, with every issue accounted for', () => {
    expect(fixture.scripted).toBe(true);
    expect(typeof fixture.note).toBe('string');
    expect(typeof fixture.dashboard).toBe('string');
    expect(typeof fixture.costUsd).toBe('number');
    expect(typeof fixture.wallSeconds).toBe('number');
    for (const key of ['merged', 'failed', 'rejected', 'open'] as const) {
      expect(fixture.issues[key]).toEqual(expect.any(Array));
    }
    expect(fixture.http).toEqual(
      expect.objectContaining({
        api: expect.any(Number),
        contentCreating: expect.any(Number),
        graphqlPoints: expect.any(Number),
      }),
    );
    expect(fixture.paths.length).toBeGreaterThan(5);
    for (const path of fixture.paths) {
      expect(path).toEqual(
        expect.objectContaining({
          issue: expect.any(Number),
          title: expect.any(String),
          planned: expect.any(String),
          final: expect.stringMatching(/^(merged|failed|rejected|decomposed|open)$/),
          costUsd: expect.any(Number),
          events: expect.any(Array),
        }),
      );
      for (const event of path.events) {
        expect(event.issue).toBe(path.issue);
        expect(['claimed', 'worker', 'gate', 'merged']).toContain(event.kind);
        expect(typeof event.at).toBe('number');
      }
    }
    const merged = fixture.paths.filter((p) => p.final === 'merged').map((p) => p.issue);
    expect([...fixture.mergeOrder].sort((a, b) => a - b)).toEqual(merged);
    expect([...fixture.issues.merged].sort((a, b) => a - b)).toEqual(merged);
    expect(fixture.paths.some((p) => p.events.some((e) => e.kind === 'worker'))).toBe(true);
  });

  it('names no path on the machine that wrote it and carries no token', () => {
    const text = JSON.stringify(fixture);
    expect(text).not.toMatch(/\/(?:tmp|home|root|work|Users)\//);
    expect(text).not.toMatch(/gh[pousr]_[A-Za-z0-9]{10,}|sk-ant-/);
  });
});

if (!browserPath.path && browserRequired) {
  describe('the demo HTML report in Chromium', () => {
    it('has a browser to open it in', () => {
      throw new Error(
        `AI_SCRUM_REQUIRE_BROWSER=1 but ${browserPath.why}: ${INSTALL_HINT}, then run the tests again.`,
      );
    });
  });
} else {
  if (!browserPath.path) {
    console.log(
      `Skipping the demo HTML report in Chromium: ${browserPath.why}. To run it, ${INSTALL_HINT} (set AI_SCRUM_REQUIRE_BROWSER=1 to make a missing browser fail).`,
    );
  }
  (browserPath.path ? describe : describe.skip)('the demo HTML report in Chromium', () => {
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ai-scrum-demo-html-'));
      browser = await chromium.launch({
        executablePath: browserPath.path!,
        args: ['--no-sandbox'],
      });
      hostileReport = structuredClone(fixture);
      const target = hostileReport.paths.find((p) => p.final === 'merged')!;
      target.title = HOSTILE;
      target.planned = HOSTILE;
      for (const event of target.events) event.detail = HOSTILE;
      hostileReport.note = HOSTILE;
      hostileReport.dashboard = `${HOSTILE}\n${hostileReport.dashboard}`;
      plain = await visit(fixture);
      hostile = await visit(hostileReport);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('loads with no page error, console error, failed request or request beyond itself', () => {
      const none = {
        pageErrors: [],
        consoleErrors: [],
        failedRequests: [],
        otherRequests: [],
        dialogs: [],
      };
      for (const [name, seen] of Object.entries({ plain, hostile })) {
        const { pageErrors, consoleErrors, failedRequests, otherRequests, dialogs } = seen;
        expect({
          [name]: { pageErrors, consoleErrors, failedRequests, otherRequests, dialogs },
        }).toEqual({ [name]: none });
      }
    });

    it('has its title', async () => {
      expect(await plain.page.title()).toBe('AI Scrum Master demo report');
      await expect(plain.page.locator('h1').textContent()).resolves.toBe(
        'AI Scrum Master demo report',
      );
    });

    it('draws the timeline, one labelled row per issue, at a visible size', async () => {
      const svg = plain.page.locator('svg[aria-label="Timeline of every issue"]');
      await expect(svg.count()).resolves.toBe(1);
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(20 * fixture.paths.length);
      // Each row starts with a label "#<issue> <title>"; the axis labels are the other texts.
      const labels = (await svg.locator('text').allTextContents()).filter((t) => t.startsWith('#'));
      expect(labels.map((t) => Number(/^#(\d+)/.exec(t)?.[1]))).toEqual(
        fixture.paths.map((p) => p.issue),
      );
      for (const [i, path] of fixture.paths.entries()) {
        expect(labels[i]).toBe(`#${path.issue} ${path.title.slice(0, 28)}`);
      }
      // A bar per worker run, a dot per merge, each inside the drawing.
      const events = fixture.paths.flatMap((p) => p.events);
      await expect(svg.locator('rect').count()).resolves.toBe(
        events.filter((e) => e.kind === 'worker').length,
      );
      await expect(svg.locator('circle').count()).resolves.toBe(
        events.filter((e) => e.kind === 'merged').length,
      );
      for (const bar of await svg.locator('rect, circle').all()) {
        const barBox = await bar.boundingBox();
        expect(barBox?.width).toBeGreaterThan(0);
        expect(barBox!.x + barBox!.width).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
        expect(barBox!.y + barBox!.height).toBeLessThanOrEqual(box!.y + box!.height + 0.5);
      }
    });

    it('lists the merged issues in the order they merged', async () => {
      const items = await section(plain.page, 'Merge order', 'ol').locator('li').allTextContents();
      expect(items.map((t) => Number(/^#(\d+)/.exec(t)?.[1]))).toEqual(fixture.mergeOrder);
      for (const [i, issue] of fixture.mergeOrder.entries()) {
        const title = fixture.paths.find((p) => p.issue === issue)!.title;
        expect(items[i]).toBe(`#${issue} ${title}`);
      }
    });

    it('shows the cost of every issue', async () => {
      const rows = section(plain.page, 'Cost per issue', 'table').locator('tbody tr');
      await expect(rows.count()).resolves.toBe(fixture.paths.length);
      for (const [i, path] of fixture.paths.entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        expect(cells[0]).toBe(`#${path.issue}`);
        expect(cells[1]).toBe(path.title);
        expect(cells[2]).toBe(path.final);
        expect(cells[3]).toBe(path.pull ? `#${path.pull}` : '—');
        expect(money(cells[4] ?? '')).toBeCloseTo(path.costUsd, 4);
        expect(cells[5]).toBe(path.planned);
      }
    });

    it('shows the final dashboard as it was written', async () => {
      const pre = section(plain.page, 'Final dashboard', 'pre');
      await expect(pre.count()).resolves.toBe(1);
      await expect(pre.textContent()).resolves.toBe(fixture.dashboard);
      expect((await pre.boundingBox())?.height).toBeGreaterThan(0);
    });

    it('shows hostile text from an issue as text: no markup, no script runs', async () => {
      const { page } = hostile;
      expect(hostile.dialogs).toEqual([]);
      await expect(page.evaluate('typeof window.__pwned')).resolves.toBe('undefined');
      await expect(page.locator('img').count()).resolves.toBe(0);
      await expect(page.locator('script').count()).resolves.toBe(0);
      const target = hostileReport.paths.find((p) => p.title === HOSTILE)!;
      const row = section(page, 'Cost per issue', 'table')
        .locator('tbody tr')
        .nth(hostileReport.paths.indexOf(target));
      await expect(row.locator('td').nth(1).textContent()).resolves.toBe(HOSTILE);
      await expect(row.locator('td').nth(5).textContent()).resolves.toBe(HOSTILE);
      const items = await section(page, 'Merge order', 'ol').locator('li').allTextContents();
      expect(items).toContain(`#${target.issue} ${HOSTILE}`);
      await expect(page.locator('p strong').first().textContent()).resolves.toBe(HOSTILE);
      await expect(section(page, 'Final dashboard', 'pre').textContent()).resolves.toBe(
        hostileReport.dashboard,
      );
      const svg = page.locator('svg[aria-label="Timeline of every issue"]');
      const labels = await svg.locator('text').allTextContents();
      expect(labels).toContain(`#${target.issue} ${HOSTILE.slice(0, 28)}`);
      // The hover titles of its bars and dots carry the hostile detail as text too.
      const titles = await svg.locator('title').allTextContents();
      expect(titles.some((t) => t.includes(HOSTILE))).toBe(true);
    });
  });
}
