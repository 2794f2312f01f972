/** Usage texts, apart from the commands themselves, so that help never loads the twin. */

export const USAGE = `\
Usage: ai-scrum <command> [options]

Commands:
  demo      run the whole toolkit on a local GitHub twin with a scripted model
  twin      serve a local GitHub twin and scripted model, for tests and demos
  coverage  print the totals of coverage reports, and the patch coverage of a diff
  plan      print what dispatch would pick from a repository's backlog now, and why not the rest
  version   print the version
  help      print this text, or a command's usage: ai-scrum help twin

'ai-scrum <command> --help' prints a command's usage too. The GitHub Actions do not use this
command: they run from action.yml and actions/*/action.yml.`;

/** The twin's options, each taking a value; its usage below describes every one. */
export const TWIN_OPTIONS = ['fixture', 'port', 'state-dir', 'model-scripts'] as const;

export const TWIN_USAGE = `\
Usage: ai-scrum twin --fixture FILE [--port N] [--state-dir DIR] [--model-scripts DIR]

Serves a stand-in for GitHub (REST, GraphQL, git over HTTP) and a scripted Anthropic model on
127.0.0.1, for tests and demos. Nothing reaches github.com or a model API.

Options:
  --fixture FILE        the JSON fixture to serve: repository, users, tokens, issues...
                        (required; examples/twin/shop.json is one)
  --port N              the port to listen on (default 0: any free port)
  --state-dir DIR       keep the bare git repository at DIR/OWNER/REPO.git, recreated on
                        start and left there on exit (default: a temporary folder, removed)
  --model-scripts DIR   the model's scripted conversations, one *.json file each (without
                        it, every model request is answered 400)
  -h, --help            print this text

Once it listens, it prints one line of JSON with its URLs, then serves until stopped:
  api       REST (for GITHUB_API_URL): http://127.0.0.1:PORT
  graphql   GraphQL (for GITHUB_GRAPHQL_URL): http://127.0.0.1:PORT/graphql
  git       git over HTTP at {git}/OWNER/REPO.git (for GITHUB_SERVER_URL)
  model     the Anthropic Messages API (for ANTHROPIC_BASE_URL): http://127.0.0.1:PORT/model
Requests need a token the fixture lists (Authorization: token TOKEN; git: as the password).

Ctrl-C (SIGINT) or SIGTERM stops it, and it exits 0. Bad arguments or an invalid fixture exit 2
with the reason. The fixture format, the routes and /_twin/stats: docs/twin.md.`;

/** The coverage command's options that take a value; `--json` is a flag. */
export const COVERAGE_OPTIONS = ['format', 'diff', 'root'] as const;

export const COVERAGE_USAGE = `\
Usage: ai-scrum coverage FILE... [--format F] [--diff FILE] [--root DIR] [--json]

Reads coverage reports (lcov, cobertura, clover, istanbul-summary, istanbul-final, jacoco, go),
merges them by repository path, and prints line and branch totals. With a diff, also prints
the patch coverage: the share of changed executable lines that tests ran. The merge gate
counts the same way.

Options:
  --format F     read every FILE as format F instead of detecting it
  --diff FILE    a unified diff (git diff BASE...HEAD) whose added lines to measure
  --root DIR     the repository root that absolute paths are relative to (default: .)
  --json         print the totals as JSON
  -h, --help     print this text

Exits 0 with the figures, 1 when a report or the diff cannot be read (the message names the
file and the line or byte), 2 for bad arguments. Counting rules: docs/coverage.md.`;

/** The plan command's options that take a value; `--json` is a flag. */
export const PLAN_OPTIONS = ['repo', 'max-workers', 'ledger-writers'] as const;

export const PLAN_USAGE = `\
Usage: ai-scrum plan [--repo OWNER/REPO] [--max-workers N] [--ledger-writers LOGINS] [--json]

Runs dispatch as a dry run against a repository and prints what it would dispatch now (issue,
title, priority, complexity, estimate, footprint) and, for every other ai-ready issue, why not.
Nothing is written: no claim, comment, label or issue. The other dispatch inputs take their
defaults (docs/dispatch.md).

Options:
  --repo OWNER/REPO        the repository (default: GITHUB_REPOSITORY)
  --max-workers N          issues worked on at once, active claims included (default: 5)
  --ledger-writers LOGINS  identities whose ledger comments count besides the token's, separated
                           by commas (default: github-actions[bot], which GITHUB_TOKEN writes as)
  --json                   print the plan as JSON
  -h, --help               print this text

Environment:
  GITHUB_TOKEN         a token that can read the repository's issues, pull requests and Actions
                       runs (required; for example GITHUB_TOKEN=$(gh auth token))
  GITHUB_REPOSITORY    OWNER/REPO, unless --repo is given
  GITHUB_API_URL       REST base (default https://api.github.com; GHES: https://HOST/api/v3; the
                       twin prints its own)
  GITHUB_GRAPHQL_URL   GraphQL endpoint (default: derived from GITHUB_API_URL)

Exits 0 with the plan; 1 when GitHub refuses or cannot be reached (one line saying why), or when
the ledger was changed by hand; 2 for bad arguments, or a variable missing or malformed.`;

export const VERSION_USAGE = `\
Usage: ai-scrum version

Prints the toolkit's version (also: ai-scrum --version, ai-scrum -v).`;

export const HELP_USAGE = `\
Usage: ai-scrum help [COMMAND]

Prints the list of commands, or the usage of COMMAND (twin, coverage, plan, version, help).`;

export const DEMO_USAGE = `\
Usage: ai-scrum demo [--json FILE] [--html FILE] [--out DIR] [--live]

Runs the toolkit end to end on this machine, with no key and no network: a local GitHub twin
(with its CI model and GITHUB_TOKEN semantics) stands in for GitHub and a SCRIPTED model for
Claude. It seeds a small project with its own tests and coverage and a backlog of issues, then
runs what the reusable workflow runs: dispatch, the workers in parallel and the merge gate, as
the dist/ bundles in processes with a runner's environment, until the backlog drains.

Options:
  --json FILE   write the report as JSON: issues, pull requests, requests, tokens, cost, paths
  --html FILE   write the report as one self-contained HTML page with a timeline
  --out DIR     where the job summaries and the dashboard are written (default: demo-output)
  --live        the real model instead of the scripted one: needs ANTHROPIC_API_KEY (and takes
                ANTHROPIC_BASE_URL for a gateway); GitHub is still the twin. It spends real
                money, at most the demo's $10 daily budget, and the issues' planned paths no
                longer hold: the model decides.
  -h, --help    print this text`;
