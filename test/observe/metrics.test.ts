import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import {
  type MetricLabels,
  figureOutputs,
  outputDescriptions,
  renderOpenMetrics,
  writeMetricsFile,
} from '../../src/observe/metrics.js';
import type {
  ActionFigures,
  DispatchFigures,
  GateFigures,
  WorkerFigures,
} from '../../src/observe/types.js';

const dispatch: DispatchFigures = {
  action: 'dispatch',
  candidates: 9,
  dispatched: 4,
  skipped: 5,
  lostClaims: 1,
  liveClaims: 6,
  tampering: 0,
  requests: 31,
  writes: 5,
  durationSeconds: 12.5,
};

const worker: WorkerFigures = {
  action: 'worker',
  issue: 42,
  outcome: 'approved',
  costUsd: 0.012345,
  issueCostUsd: 1.75,
  inputTokens: 120_000,
  outputTokens: 8_000,
  cacheReadTokens: 95_000,
  revisions: 2,
  requests: 57,
  writes: 14,
  durationSeconds: 1834.25,
};

const gate: GateFigures = {
  action: 'merge-gate',
  pull: 108,
  verdict: 'merge',
  coveragePercent: 83.33,
  patchCoveragePercent: 91.5,
  requests: 9,
  writes: 2,
  durationSeconds: 7.125,
};

const SAMPLES: readonly ActionFigures[] = [dispatch, worker, gate];
const labels = { repository: 'octo/widgets', workflow: 'AI Scrum Master' };

// --- OpenMetrics text, read back strictly --------------------------------------------------

interface Sample {
  labels: Record<string, string>;
  value: number;
}
interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
/** An escaped string as OpenMetrics writes one: `\\`, `\"` and `\n` are the only escapes. */
const ESCAPED = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const HELP = new RegExp(`^# HELP (${NAME}) (${ESCAPED})$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (gauge|counter|stateset|info|unknown)$`);
const LABEL = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)="(${ESCAPED})"(,|$)`, 'y');
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const unescape = (text: string) =>
  text.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

function parseLabels(text: string | undefined): Record<string, string> {
  const parsed: Record<string, string> = {};
  if (text === undefined) return parsed;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`bad label set {${text}}`);
    const [, name = '', value = ''] = match;
    if (name in parsed) throw new Error(`label ${name} twice in {${text}}`);
    parsed[name] = unescape(value);
  }
  return parsed;
}

/**
 * Reads OpenMetrics text and throws on anything out of place: every family is HELP, TYPE,
 * then its samples, never split; no blank line; `# EOF` and a line feed end the text. The same
 * rules make it valid Prometheus text format 0.0.4, where `# EOF` is a comment.
 */
function parseOpenMetrics(text: string): Family[] {
  if (!text.endsWith('\n# EOF\n')) throw new Error('the text does not end with # EOF');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n');
  lines.pop();
  const families: Family[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length;) {
    const help = HELP.exec(lines[i] ?? '');
    const type = TYPE.exec(lines[i + 1] ?? '');
    if (!help || !type || help[1] !== type[1])
      throw new Error(`line ${i + 1}: expected # HELP and # TYPE, got ${lines[i]}`);
    const name = help[1] ?? '';
    if (seen.has(name)) throw new Error(`family ${name} appears twice`);
    seen.add(name);
    const family: Family = {
      name,
      help: unescape(help[2] ?? ''),
      type: type[2] ?? '',
      samples: [],
    };
    const labelSets = new Set<string>();
    for (i += 2; i < lines.length && !lines[i]?.startsWith('#'); i++) {
      const sample = SAMPLE.exec(lines[i] ?? '');
      if (!sample) throw new Error(`line ${i + 1}: not a sample: ${JSON.stringify(lines[i])}`);
      const [, sampleName, labelText, value = ''] = sample;
      if (sampleName !== name) throw new Error(`line ${i + 1}: ${sampleName} under ${name}`);
      if (!NUMBER.test(value)) throw new Error(`line ${i + 1}: value ${value}`);
      if (labelSets.has(labelText ?? '')) throw new Error(`line ${i + 1}: duplicate label set`);
      labelSets.add(labelText ?? '');
      family.samples.push({ labels: parseLabels(labelText), value: Number(value) });
    }
    if (family.samples.length === 0) throw new Error(`family ${name} has no sample`);
    families.push(family);
  }
  return families;
}

const rendered = async (figures: ActionFigures, given: MetricLabels = labels) =>
  parseOpenMetrics(await renderOpenMetrics(figures, given));

/** The one sample of a family, by metric name. */
function sampleOf(families: Family[], name: string): Sample {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no ${name}`);
  expect(family.samples).toHaveLength(1);
  return family.samples[0] as Sample;
}

const valuesOf = (families: Family[]) =>
  Object.fromEntries(families.map((f) => [f.name, f.samples.map((s) => s.value)]));

// --- Outputs ------------------------------------------------------------------------------------

describe('figure outputs', () => {
  it('names every figure as its action.yml declares it, for each action', () => {
    for (const figures of SAMPLES) {
      expect(Object.keys(figureOutputs(figures))).toEqual(
        Object.keys(outputDescriptions(figures.action)),
      );
      for (const [name, description] of Object.entries(outputDescriptions(figures.action))) {
        expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
        expect(description.length).toBeGreaterThan(10);
      }
    }
  });

  it('writes counts as integers, money to the micro-dollar, percents to two decimals', () => {
    expect(figureOutputs(worker)).toEqual({
      issue: '42',
      outcome: 'approved',
      'cost-usd': '0.012345',
      'issue-cost-usd': '1.750000',
      'input-tokens': '120000',
      'output-tokens': '8000',
      'cache-read-tokens': '95000',
      revisions: '2',
      requests: '57',
      writes: '14',
      'duration-seconds': '1834.250',
    });
    expect(figureOutputs(dispatch)).toEqual({
      candidates: '9',
      dispatched: '4',
      skipped: '5',
      'lost-claims': '1',
      'live-claims': '6',
      tampering: '0',
      requests: '31',
      writes: '5',
      'duration-seconds': '12.500',
    });
    expect(figureOutputs(gate)).toEqual({
      'pull-request': '108',
      verdict: 'merge',
      coverage: '83.33',
      'patch-coverage': '91.50',
      requests: '9',
      writes: '2',
      'duration-seconds': '7.125',
    });
  });

  it('keeps the names of the outputs workflows already read', () => {
    expect(Object.keys(outputDescriptions('worker'))).toEqual(
      expect.arrayContaining([
        'outcome',
        'cost-usd',
        'input-tokens',
        'output-tokens',
        'cache-read-tokens',
        'revisions',
      ]),
    );
    expect(Object.keys(outputDescriptions('merge-gate'))).toEqual(
      expect.arrayContaining(['verdict', 'coverage', 'patch-coverage', 'pull-request']),
    );
  });

  it('writes an unknown figure as an empty string', () => {
    const outputs = figureOutputs({
      ...gate,
      pull: null,
      coveragePercent: null,
      patchCoveragePercent: Number.NaN,
    });
    expect(outputs['pull-request']).toBe('');
    expect(outputs['coverage']).toBe('');
    expect(outputs['patch-coverage']).toBe('');
    expect(figureOutputs({ ...worker, costUsd: Number.POSITIVE_INFINITY })['cost-usd']).toBe('');
  });
});

// --- OpenMetrics ---------------------------------------------------------------------------------

describe('OpenMetrics text', () => {
  it('is well formed for every action: HELP and TYPE before the samples, # EOF last', async () => {
    for (const figures of SAMPLES) {
      const text = await renderOpenMetrics(figures, labels);
      const families = parseOpenMetrics(text);
      expect(families.length).toBeGreaterThan(3);
      // What a Pushgateway (Prometheus text format 0.0.4) also reads as is: no OpenMetrics-only
      // line (UNIT, a counter's _total or _created sample), `# EOF` as a final comment.
      expect(text).not.toMatch(/^# UNIT /m);
      for (const family of families) {
        expect(family.name).toMatch(/^ai_scrum_[a-z_]+$/);
        expect(family.name).not.toMatch(/_total$/);
        expect(family.type).toBe('gauge');
        expect(family.help).not.toMatch(/["\\\n]/);
      }
    }
  });

  it('is the same text every time, and leaves the global registry of prom-client empty', async () => {
    const [a, b] = await Promise.all([
      renderOpenMetrics(worker, labels),
      renderOpenMetrics(worker, labels),
    ]);
    expect(a).toBe(b);
    expect(await renderOpenMetrics(gate, labels)).not.toBe(a);
    expect(register.getMetricsAsArray()).toHaveLength(0);
  });

  it('carries the dispatch figures', async () => {
    expect(valuesOf(await rendered(dispatch))).toEqual({
      ai_scrum_dispatch_candidate_issues: [9],
      ai_scrum_dispatch_dispatched_issues: [4],
      ai_scrum_dispatch_skipped_issues: [5],
      ai_scrum_dispatch_lost_claims: [1],
      ai_scrum_dispatch_live_claims: [6],
      ai_scrum_dispatch_ledger_hand_changes: [0],
      ai_scrum_github_requests: [31],
      ai_scrum_github_writes: [5],
      ai_scrum_run_duration_seconds: [12.5],
    });
  });

  it('carries the worker figures, its outcome as a label', async () => {
    const families = await rendered(worker);
    expect(valuesOf(families)).toEqual({
      ai_scrum_worker_outcome: [1],
      ai_scrum_worker_cost_usd: [0.012345],
      ai_scrum_worker_issue_cost_usd: [1.75],
      ai_scrum_worker_input_tokens: [120_000],
      ai_scrum_worker_output_tokens: [8_000],
      ai_scrum_worker_cache_read_tokens: [95_000],
      ai_scrum_worker_revisions: [2],
      ai_scrum_github_requests: [57],
      ai_scrum_github_writes: [14],
      ai_scrum_run_duration_seconds: [1834.25],
    });
    expect(sampleOf(families, 'ai_scrum_worker_outcome').labels).toEqual({
      repository: 'octo/widgets',
      action: 'worker',
      workflow: 'AI Scrum Master',
      issue: '42',
      outcome: 'approved',
    });
  });

  it('carries the gate figures, its verdict as a label and coverage as a 0–1 ratio', async () => {
    const families = await rendered(gate);
    expect(valuesOf(families)).toEqual({
      ai_scrum_merge_gate_verdict: [1],
      ai_scrum_merge_gate_line_coverage_ratio: [0.8333],
      ai_scrum_merge_gate_patch_coverage_ratio: [0.915],
      ai_scrum_github_requests: [9],
      ai_scrum_github_writes: [2],
      ai_scrum_run_duration_seconds: [7.125],
    });
    expect(sampleOf(families, 'ai_scrum_merge_gate_verdict').labels).toEqual({
      repository: 'octo/widgets',
      action: 'merge-gate',
      workflow: 'AI Scrum Master',
      pull: '108',
      verdict: 'merge',
    });
  });

  it('labels every metric of a run with the same labels, beside its category', async () => {
    const expected = {
      dispatch: { repository: 'octo/widgets', action: 'dispatch' },
      worker: { repository: 'octo/widgets', action: 'worker', issue: '42' },
      'merge-gate': { repository: 'octo/widgets', action: 'merge-gate', pull: '108' },
    };
    for (const figures of SAMPLES)
      for (const family of await rendered(figures, { repository: 'octo/widgets' }))
        for (const { labels: got } of family.samples) {
          const run = Object.fromEntries(
            Object.entries(got).filter(([name]) => name !== 'outcome' && name !== 'verdict'),
          );
          expect(run).toEqual(expected[figures.action]);
        }
  });

  it('leaves out an unknown figure and an empty workflow, and a null pull request', async () => {
    const families = await rendered(
      { ...gate, pull: null, coveragePercent: null, patchCoveragePercent: Number.NaN },
      { repository: 'octo/widgets', workflow: '' },
    );
    expect(families.map((f) => f.name)).toEqual([
      'ai_scrum_merge_gate_verdict',
      'ai_scrum_github_requests',
      'ai_scrum_github_writes',
      'ai_scrum_run_duration_seconds',
    ]);
    expect(sampleOf(families, 'ai_scrum_github_requests').labels).toEqual({
      repository: 'octo/widgets',
      action: 'merge-gate',
    });
    const noOutcome = await rendered({ ...worker, outcome: '' });
    expect(noOutcome.map((f) => f.name)).not.toContain('ai_scrum_worker_outcome');
  });

  it('escapes quotes, backslashes and line feeds in label values', async () => {
    const hostile = 'evil"} injected_metric 1\n# EOF\\';
    const text = await renderOpenMetrics(worker, { repository: hostile, workflow: 'a\\"b\n' });
    const families = parseOpenMetrics(text);
    expect(families.map((f) => f.name)).not.toContain('injected_metric');
    for (const family of families)
      for (const sample of family.samples) {
        expect(sample.labels['repository']).toBe(hostile);
        expect(sample.labels['workflow']).toBe('a\\"b\n');
      }
    // One line per HELP, TYPE and sample, whatever the label values hold.
    const plain = await renderOpenMetrics(worker, labels);
    expect(text.split('\n')).toHaveLength(plain.split('\n').length);
    expect(text).toContain('repository="evil\\"} injected_metric 1\\n# EOF\\\\"');
  });

  it('gives one metric name one type and one help text across the three actions', async () => {
    const seen = new Map<string, string>();
    for (const figures of SAMPLES)
      for (const family of await rendered(figures)) {
        const meaning = `${family.type} ${family.help}`;
        expect(seen.get(family.name) ?? meaning).toBe(meaning);
        seen.set(family.name, meaning);
      }
  });
});

// --- The metrics file -----------------------------------------------------------------------------

describe('the metrics file', () => {
  const withDirectory = async (test: (directory: string) => Promise<void>) => {
    const directory = await mkdtemp(join(tmpdir(), 'ai-scrum-metrics-'));
    try {
      await test(directory);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  };

  it('is written whole into a new directory, with no temporary file left', () =>
    withDirectory(async (directory) => {
      const path = join(directory, 'out', 'nested', 'worker.prom');
      await writeMetricsFile(path, worker, labels);
      expect(await readFile(path, 'utf8')).toBe(await renderOpenMetrics(worker, labels));
      expect(await readdir(join(directory, 'out', 'nested'))).toEqual(['worker.prom']);
    }));

  it('replaces an earlier file', () =>
    withDirectory(async (directory) => {
      const path = join(directory, 'metrics.txt');
      await writeFile(path, 'an earlier run, longer than the new text '.repeat(200));
      await writeMetricsFile(path, gate, labels);
      expect(await readFile(path, 'utf8')).toBe(await renderOpenMetrics(gate, labels));
      expect(await readdir(directory)).toEqual(['metrics.txt']);
    }));

  it('fails when it cannot be renamed into place, and removes its temporary file', () =>
    withDirectory(async (directory) => {
      const path = join(directory, 'taken');
      await mkdir(join(path, 'inside'), { recursive: true });
      await expect(writeMetricsFile(path, dispatch, labels)).rejects.toThrow();
      expect(await readdir(directory)).toEqual(['taken']);
    }));
});

// --- The docs ----------------------------------------------------------------------------------

describe('docs/metrics.md', () => {
  const docs = () => readFile(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  /** `| \`name\` | text |` rows of the section that starts at `heading`, up to the next one. */
  const rows = (text: string, heading: string) => {
    const section = text.slice(text.indexOf(heading)).split(/\n## /)[0] ?? '';
    return new Map(
      [...section.matchAll(/^\| `([^`]+)`\s*\|(.*)\|$/gm)].map((m) => [
        m[1] ?? '',
        (m[2] ?? '').split('|').map((cell) => cell.trim()),
      ]),
    );
  };

  it('describes every output as action.yml does', async () => {
    const outputs = rows(await docs(), '## Outputs');
    for (const figures of SAMPLES)
      for (const [name, description] of Object.entries(outputDescriptions(figures.action)))
        expect([name, outputs.get(name)?.at(-1)]).toEqual([name, description]);
  });

  it('lists every metric the actions write, and no other', async () => {
    const written = new Set<string>();
    for (const figures of SAMPLES)
      for (const family of await rendered(figures)) written.add(family.name);
    const listed = [...rows(await docs(), '## Metrics').keys()].filter((name) =>
      name.startsWith('ai_scrum_'),
    );
    expect(new Set(listed)).toEqual(written);
  });
});

// --- The Grafana dashboard --------------------------------------------------------------------

describe('the Grafana dashboard example', () => {
  interface Panel {
    type: string;
    id: number;
    title: string;
    datasource?: { type: string; uid: string };
    targets?: { expr: string; datasource?: { uid: string } }[];
    gridPos: { x: number; y: number; w: number; h: number };
    panels?: Panel[];
  }
  interface Dashboard {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: { type: string; query: string | { query: string } }[] };
  }

  const dashboardFile = new URL('../../examples/grafana-dashboard.json', import.meta.url);
  const load = async () => JSON.parse(await readFile(dashboardFile, 'utf8')) as Dashboard;

  const panelsOf = (panels: Panel[]): Panel[] =>
    panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);

  /** Every PromQL expression: panel targets and query variables. */
  const expressions = (dashboard: Dashboard): string[] => [
    ...panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list
      .filter((v) => v.type === 'query')
      .map((v) => (typeof v.query === 'string' ? v.query : v.query.query)),
  ];

  /** Words of PromQL that are neither functions (followed by `(`) nor metric names. */
  const KEYWORDS = new Set(['bool', 'and', 'or', 'unless', 'offset', 'atan2']);

  /** The metric names an expression reads: what is left once strings, label matchers, label
   * lists, ranges, Grafana variables, functions and keywords are set aside. */
  function metricNames(expr: string): string[] {
    const bare = expr
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
      .replace(/\blabel_values\s*\(([^,)]*),[^)]*\)/g, ' $1 ');
    const names: string[] = [];
    for (const match of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
      const after = bare.slice((match.index ?? 0) + match[0].length).trimStart();
      if (after.startsWith('(') || KEYWORDS.has(match[0])) continue;
      names.push(match[0]);
    }
    return names;
  }

  it('reads the metric names PromQL holds', () => {
    expect(
      metricNames(
        'sum by (outcome) (a_b{repository=~"$repository", x="y{z}"}) / on (issue) max_over_time(c[5m]) > bool 0.5e3',
      ),
    ).toEqual(['a_b', 'c']);
    expect(metricNames('label_values(a_b, repository)')).toEqual(['a_b']);
    expect(metricNames('topk(10, ${metric}) or vector(0)')).toEqual([]);
  });

  it('queries only the metrics the actions write, and shows every one of them', async () => {
    const dashboard = await load();
    const written = new Set<string>();
    for (const figures of SAMPLES)
      for (const family of await rendered(figures)) written.add(family.name);

    const queried = new Set(expressions(dashboard).flatMap(metricNames));
    expect([...queried].filter((name) => !written.has(name))).toEqual([]);
    expect([...written].filter((name) => !queried.has(name))).toEqual([]);
    for (const expr of expressions(dashboard)) expect(metricNames(expr).length).toBeGreaterThan(0);
  });

  it('imports into Grafana: ids unique, panels on the grid, every query on the chosen data source', async () => {
    const dashboard = await load();
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const panels = panelsOf(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid ?? '${datasource}').toBe('${datasource}');
    }
    expect(dashboard.templating.list.map((v) => v.type)).toEqual(['datasource', 'query']);
  });
});
