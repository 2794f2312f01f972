/** The demo's report: what it measured, as JSON and as one self-contained HTML page. */

export interface DemoEvent {
  issue: number;
  kind: 'claimed' | 'worker' | 'gate' | 'merged';
  detail: string;
  cycle: number;
  /** Milliseconds since the demo started; a worker's run ends at `end`. */
  at: number;
  end?: number;
  costUsd?: number;
  pull?: number;
}

export interface IssuePath {
  issue: number;
  title: string;
  /** What the backlog meant it to show. */
  planned: string;
  /** merged, failed, rejected, or open (still waiting, with the reason in `events`). */
  final: 'merged' | 'failed' | 'rejected' | 'decomposed' | 'open';
  pull: number | null;
  costUsd: number;
  events: DemoEvent[];
}

export interface DemoReport {
  /** False with `--live`: the real model answered, and the planned paths need not hold. */
  scripted: boolean;
  note: string;
  wallSeconds: number;
  issues: { merged: number[]; failed: number[]; rejected: number[]; open: number[] };
  pulls: { number: number; issue: number; merged: boolean }[];
  mergeOrder: number[];
  http: {
    /** REST and GraphQL requests to the twin, as GitHub would count them. */
    api: number;
    contentCreating: number;
    graphqlPoints: number;
    /** git smart-HTTP requests (fetches, pushes, checkouts), counted apart. */
    git: number;
    /** Requests the scripted model received (messages and token counts), counted apart. */
    model: number;
    /** Requests a primary or secondary rate limit refused (the client waits and sends again). */
    rateLimited: number;
    /** API requests by action, in all. */
    byAction: { dispatch: number; worker: number; 'merge-gate': number };
    /** The same, by route (REST template or POST /graphql): where each action's requests go. */
    byRoute: Record<'dispatch' | 'worker' | 'merge-gate', Record<string, number>>;
    perMergedFeature: { api: number; contentCreating: number; graphqlPoints: number } | null;
  };
  tokens: { input: number; output: number; cacheRead: number };
  costUsd: number;
  paths: IssuePath[];
  invariants: {
    /** Issues of the backlog with no final state or path: must be none. */
    unaccounted: number[];
    /** Claims taken while another claim of the same issue was still live: must be none. */
    twoLiveClaims: { issue: number; claims: [string, string] }[];
  };
  /** What the injected issue got: the token in any prompt, the workflow it asked for on main. */
  injection: { tokenInPrompts: boolean; protectedFileOnMain: boolean };
  dashboard: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COLOURS: Record<IssuePath['final'], string> = {
  merged: '#2da44e',
  failed: '#cf222e',
  rejected: '#bf8700',
  decomposed: '#8250df',
  open: '#6e7781',
};

/** A timeline of every issue across the workers: one row each, a bar per worker run. */
function timeline(report: DemoReport): string {
  const rows = report.paths;
  const end = Math.max(1, ...rows.flatMap((p) => p.events.map((e) => e.end ?? e.at)));
  const width = 900;
  const left = 220;
  const row = 26;
  const x = (ms: number) => left + ((width - left - 10) * ms) / end;
  const parts: string[] = [];
  rows.forEach((path, i) => {
    const y = 20 + i * row;
    parts.push(
      `<text x="4" y="${y + 13}" font-size="12">#${path.issue} ${escape(path.title.slice(0, 28))}</text>`,
    );
    for (const event of path.events) {
      if (event.kind === 'worker') {
        const x1 = x(event.at);
        const w = Math.max(2, x(event.end ?? event.at) - x1);
        parts.push(
          `<rect x="${x1.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="16" rx="3" fill="${event.detail === 'approved' || event.detail === 'resolved' ? COLOURS.merged : event.detail === 'rejected' ? COLOURS.rejected : COLOURS.failed}"><title>${escape(`worker: ${event.detail}, $${(event.costUsd ?? 0).toFixed(4)}`)}</title></rect>`,
        );
      } else if (event.kind === 'merged') {
        parts.push(
          `<circle cx="${x(event.at).toFixed(1)}" cy="${y + 8}" r="6" fill="${COLOURS.merged}" stroke="#fff"><title>${escape(event.detail)}</title></circle>`,
        );
      } else if (event.kind === 'claimed') {
        parts.push(
          `<line x1="${x(event.at).toFixed(1)}" x2="${x(event.at).toFixed(1)}" y1="${y}" y2="${y + 16}" stroke="#0969da" stroke-width="2"><title>${escape(`claimed: ${event.detail}`)}</title></line>`,
        );
      }
    }
  });
  const height = 30 + rows.length * row;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Timeline of every issue">${parts.join('')}<text x="${left}" y="${height - 4}" font-size="11" fill="#57606a">0 s</text><text x="${width - 60}" y="${height - 4}" font-size="11" fill="#57606a">${(end / 1000).toFixed(1)} s</text></svg>`;
}

export function renderHtml(report: DemoReport): string {
  const money = (usd: number) => `$${usd.toFixed(4)}`;
  const costRows = report.paths
    .map(
      (p) =>
        `<tr><td>#${p.issue}</td><td>${escape(p.title)}</td><td style="color:${COLOURS[p.final]}">${p.final}</td><td>${p.pull ? `#${p.pull}` : '—'}</td><td>${money(p.costUsd)}</td><td>${escape(p.planned)}</td></tr>`,
    )
    .join('');
  const per = report.http.perMergedFeature;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI Scrum Master demo report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}pre{background:#f6f8fa;padding:1rem;overflow:auto}</style>
</head><body>
<h1>AI Scrum Master demo report</h1>
<p><strong>${escape(report.note)}</strong></p>
<p>${report.issues.merged.length} merged, ${report.issues.rejected.length} rejected, ${report.issues.failed.length} failed, ${report.issues.open.length} open, in ${report.wallSeconds.toFixed(1)} s.
GitHub API requests: ${report.http.api} (${report.http.contentCreating} content-creating, ${report.http.graphqlPoints} GraphQL points)${per ? `; per merged feature ${per.api.toFixed(1)} requests, ${per.contentCreating.toFixed(1)} content-creating, ${per.graphqlPoints.toFixed(1)} points` : ''}. Model cost ${money(report.costUsd)}.</p>
<h2>Timeline</h2>
${timeline(report)}
<h2>Merge order</h2>
<ol>${report.mergeOrder.map((n) => `<li>#${n} ${escape(report.paths.find((p) => p.issue === n)?.title ?? '')}</li>`).join('')}</ol>
<h2>Cost per issue</h2>
<table><thead><tr><th>Issue</th><th>Title</th><th>End</th><th>PR</th><th>Cost</th><th>What it shows</th></tr></thead><tbody>${costRows}</tbody></table>
<h2>Final dashboard</h2>
<pre>${escape(report.dashboard)}</pre>
</body></html>
`;
}
