import type { ActionDeps } from '../action-deps.js';
import { errorMessage } from '../errors.js';
import type { GitHubClient, RequestStats } from '../github/client.js';
import { figureOutputs, writeMetricsFile } from './metrics.js';
import { parseWebhookUrl, sendNotices } from './notify.js';
import { parseProjectUrl, syncProjectStatus } from './projects.js';
import type { ActionFigures, Notice, ObserveSettings, StatusChange } from './types.js';

/** The inputs every action shares for telling the outside world, in action.yml order. */
export const OBSERVE_INPUTS = [
  'slack-webhook',
  'discord-webhook',
  'project',
  'project-token',
  'metrics-file',
] as const;

/**
 * The shared inputs, checked with the rest before anything is changed. The board's token is
 * the action's own unless one is given: GITHUB_TOKEN cannot reach a board, so docs/projects.md
 * asks for a PAT or an App token there.
 */
export function parseObserveSettings(input: ActionDeps['input'], token: string): ObserveSettings {
  const raw = (name: (typeof OBSERVE_INPUTS)[number]) => input(name).trim();
  return {
    slackWebhook: parseWebhookUrl('slack-webhook', raw('slack-webhook')),
    discordWebhook: parseWebhookUrl('discord-webhook', raw('discord-webhook')),
    project: parseProjectUrl(raw('project')),
    projectToken: raw('project-token') || token,
    metricsFile: raw('metrics-file') || null,
  };
}

/**
 * Counts the GitHub requests of every client the action makes: the figures every action
 * reports. The entry point's clients count; a test double's do not, and add nothing.
 */
export function metered(deps: ActionDeps): { deps: ActionDeps; totals(): RequestStats } {
  const clients: GitHubClient[] = [];
  return {
    deps: {
      ...deps,
      github: (token) => {
        const client = deps.github(token);
        clients.push(client);
        return client;
      },
    },
    totals: () =>
      clients.reduce(
        (sum, client) => ({
          requests: sum.requests + (client.stats?.requests ?? 0),
          writes: sum.writes + (client.stats?.writes ?? 0),
        }),
        { requests: 0, writes: 0 },
      ),
  };
}

export interface Publication {
  figures: ActionFigures;
  notices: Notice[];
  statuses: StatusChange[];
  repo: { owner: string; repo: string };
}

/**
 * What the run tells the outside world once its work is done: its figures as outputs, the
 * metrics file, the chat notices and the board's Status. None of these fails the run: the work
 * is recorded already, and a failure here is a warning.
 */
export async function publish(
  deps: ActionDeps,
  settings: ObserveSettings,
  publication: Publication,
): Promise<void> {
  const { figures, notices, statuses, repo } = publication;
  for (const [name, value] of Object.entries(figureOutputs(figures))) deps.setOutput(name, value);
  if (settings.metricsFile) {
    try {
      await writeMetricsFile(settings.metricsFile, figures, {
        repository: `${repo.owner}/${repo.repo}`,
        ...(deps.env['GITHUB_WORKFLOW'] ? { workflow: deps.env['GITHUB_WORKFLOW'] } : {}),
      });
    } catch (error) {
      deps.logger.warning(
        `The metrics file ${settings.metricsFile} could not be written: ${errorMessage(error)}`,
      );
    }
  }
  if (notices.length > 0) await sendNotices(settings, notices, { logger: deps.logger });
  if (settings.project && statuses.length > 0)
    // syncProjectStatus logs its own warnings and never throws.
    await syncProjectStatus(
      deps.github(settings.projectToken),
      settings.project,
      repo,
      statuses,
      deps.logger,
    );
}
