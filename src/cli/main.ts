// The command-line program. Only commander is loaded up front: each command imports its
// implementation when it runs, so `siteready --help` starts nearly as fast as bare node.

import { Command, Option } from 'commander';
import { toolVersion } from '../version.js';
import { EXIT, finalExitCode, setUpProcess } from './lifecycle.js';

export { EXIT } from './lifecycle.js';

const EXIT_CODES = `
Exit codes:
  0  gate passed (or no gate set)
  1  gate failed (--fail-under, --min-grade, --fail-on)
  2  usage or configuration error (bad YAML, schema, unknown check/profile/format/plugin)
  3  internal error (the report, when there is one, is still written)
  129, 130, 143  stopped by SIGHUP, SIGINT (Ctrl-C), SIGTERM: the report of what was measured is written, marked incomplete`;

const STORE_HELP =
  'history store: sqlite:PATH, postgres://user:${PASSWORD_VAR}@host:5432/db, or no value for the default SQLite file in the data directory';

const OTLP_HELP =
  "the receiver's base URL (/v1/metrics is appended unless the path ends in it), or no value for $OTEL_EXPORTER_OTLP_METRICS_ENDPOINT or $OTEL_EXPORTER_OTLP_ENDPOINT";

const OTLP_HEADER_HELP =
  "with --otlp: an HTTP header to send, repeatable; its value from a variable, e.g. 'Authorization=Bearer ${OTLP_TOKEN}'";

const OTLP_NOTES = `--otlp sends the metrics of --format prom (the same names and labels, each a gauge stamped with
when the site was measured) to an OpenTelemetry Collector or any OTLP/HTTP receiver, after the
report files are written: --otlp http://collector:4318 posts to http://collector:4318/v1/metrics.
With no value it reads $OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (used as it is), else
$OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/metrics), else http://localhost:4318; the OTEL_* variables
alone never turn the export on. Also read, as the OpenTelemetry SDKs do (a _METRICS_ one first):
OTEL_EXPORTER_OTLP_HEADERS, _PROTOCOL (http/protobuf, the default, or http/json), _TIMEOUT
(milliseconds for the whole export, retries included; default 10000) and _COMPRESSION (gzip).
A receiver that is down, refuses or rejects the metrics is a warning: the exit code stays the
gate's. Header values and a password in the URL are never printed.`;

/** A repeatable option's values, in order. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function outputOptions(cmd: Command): Command {
  return cmd
    .option(
      '-f, --format <list>',
      'terminal, json, md, html, junit, sarif, prom; several at once: terminal,json=report.json,sarif=siteready.sarif',
      'terminal',
    )
    .option('-o, --out <file>', 'write the (single non-terminal) format to this file')
    .option('--json', 'shorthand for --format json (to stdout)')
    .addOption(new Option('--lang <lang>', 'report language (default from LANG)').choices(['en', 'zh-CN']))
    .option('--no-color', 'no colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('-q, --quiet', 'no progress output')
    .option('-v, --verbose', 'list every result, not only the ones that need attention')
    .option('--no-step-summary', 'under GitHub Actions, do not append the Markdown report to $GITHUB_STEP_SUMMARY')
    .option('--no-annotations', 'under GitHub Actions, do not print the blockers as annotations (workflow commands on stdout)')
    .option('--prepared-by <text>', 'HTML / Markdown: who prepared the report (consultant, team)')
    .option('--client <name>', 'HTML / Markdown: who it is prepared for (default: site.organisation)')
    .option('--logo <file>', 'HTML: a PNG, JPEG or SVG logo for the cover (at most 512 KiB)')
    .option('--debug', 'log what every task does, and stack traces of internal errors');
}

function gateOptions(cmd: Command): Command {
  return cmd
    .option('--fail-under <score>', 'gate: fail (exit 1) when the score is below this (0-100)')
    .addOption(new Option('--min-grade <grade>', 'gate: fail when the grade is worse').choices(['A', 'B', 'C', 'D', 'E', 'F']))
    .addOption(
      new Option('--fail-on <severity>', 'gate: fail on any unwaived finding this severe or worse').choices([
        'info',
        'low',
        'medium',
        'high',
        'critical',
      ]),
    )
    .option('--allow-incomplete', 'gate: do not fail because a check could not measure');
}

function runOptions(cmd: Command): Command {
  return cmd
    .option('-c, --concurrency <n>', 'tasks run at once', '8')
    .option('-t, --timeout <seconds>', 'deadline for the whole run', '300')
    .option('--task-timeout <seconds>', "deadline per task, over the checks' defaults (a site's checks.<id>.timeoutMs still wins)");
}

export function buildProgram(): Command {
  const program = new Command('siteready')
    .description('Is this site ready for an enterprise IM / real-time communications rollout? Measures, scores, and says what to fix.')
    .version(toolVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText(
      'after',
      `
Examples:
  $ siteready demo                                   # loopback lab, full report
  $ siteready assess site.yaml                       # assess a site
  $ siteready assess site.yaml -f terminal,json=report.json --fail-on high
  $ siteready validate site.yaml                     # check the file only
  $ siteready run tcp db.corp.example:5432           # one check, ad-hoc targets
  $ siteready checks tcp                             # what a check measures
  $ siteready profiles finance-cn                    # what a compliance profile requires
  $ siteready report report.json --lang zh-CN -f md  # re-render or re-gate a saved report
  $ siteready compare before.json after.json --fail-on-regression
  $ siteready assess site.yaml -f terminal,json=report.json --store   # also record the run (default SQLite file)
  $ siteready assess site.yaml -f json=report.json --otlp http://otel-collector:4318  # and send its metrics (OTLP)
  $ siteready history --site "Shanghai branch" -f html=history.html  # runs over time, with a trend chart
  $ siteready merge reports/ -f terminal,html=fleet.html  # many sites: the fleet report
${EXIT_CODES}`,
    );

  gateOptions(
    runOptions(
      outputOptions(
        program
          .command('assess')
          .description('run every applicable check against a site and write the scored report')
          .argument('<site.yaml>', 'site description')
          .option(
            '--platform <ids>',
            "compare platforms on this site in one run (replaces the file's platforms:), e.g. microsoft-teams,dingtalk",
          )
          .option(
            '--random-delay <duration>',
            'wait a random time up to this (e.g. 15m, 90s) before measuring, so that sites on one schedule do not all measure at once',
          )
          .option('--store [url]', `record the run after the report is written; ${STORE_HELP}`)
          .option('--otlp [url]', `also send the metrics to an OpenTelemetry collector (OTLP/HTTP); ${OTLP_HELP}`)
          .option('--otlp-header <name=value>', OTLP_HEADER_HELP, collect),
      ),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ siteready assess site.yaml
  $ siteready assess site.yaml --format json --out report.json --quiet
  $ siteready assess site.yaml -f terminal,json=out/report.json --min-grade B --fail-on high
  $ siteready assess site.yaml -f terminal,junit=siteready.xml,sarif=siteready.sarif,md=report.md
  $ siteready assess site.yaml --platform microsoft-teams,zoom,feishu -f terminal,html=compare.html
  $ siteready assess site.yaml --random-delay 15m -f prom=/var/lib/prometheus/node-exporter/siteready.prom --quiet
  $ LANG=zh_CN.UTF-8 siteready assess site.yaml
  $ siteready assess site.yaml -f terminal,json=report.json --store                  # default SQLite file
  $ siteready assess site.yaml -f terminal,json=report.json --store sqlite:runs.sqlite
  $ siteready assess site.yaml -f terminal,json=report.json --store 'postgres://siteready:\${PGPASSWORD}@db.corp.example/siteready'
  $ siteready assess site.yaml -f terminal,json=report.json --otlp http://otel-collector.corp.example:4318
  $ siteready assess site.yaml -f json=report.json --otlp https://otlp.corp.example --otlp-header 'Authorization=Bearer \${OTLP_TOKEN}' --quiet
  $ OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318 siteready assess site.yaml -f json=report.json --otlp

--store records the run after the report files are written. A store that is down, refuses or
rejects the password is a warning: the exit code stays the gate's, and the JSON report (json=FILE,
or a copy kept in the data directory when none was asked for) can be imported later with
\`siteready report report.json --store URL\`. The password is never printed.

${OTLP_NOTES}
${EXIT_CODES}`,
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { assessCommand } = await import('./assess.js');
      return assessCommand(file, opts);
    });

  program
    .command('validate')
    .description('check a site file (YAML, schema, references, check options, plugins) without measuring')
    .argument('<site.yaml>', 'site description')
    .option('--json', 'machine-readable result')
    .option('--load-plugins', 'also import the plugins the file names and check them (runs their code: only for files you trust)')
    .option('--no-color', 'no colours')
    .addHelpText(
      'after',
      '\nExamples:\n  $ siteready validate site.yaml\n  $ siteready validate site.yaml --json | jq .diagnostics\n  $ siteready validate site.yaml --load-plugins   # a file you trust: load its plugins too\n\nPlugins named in the file are found but not run unless --load-plugins is given.\nExit code 0 when valid, 2 when not.',
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { validateCommand } = await import('./validate.js');
      return validateCommand(file, opts);
    });

  program
    .command('init')
    .description('write a commented starting site file that validates (asks on a terminal, or takes flags with --yes)')
    .argument('[file]', 'where to write it; - for standard output', 'site.yaml')
    .option('--platform <ids>', 'platform catalog(s) to be ready for, e.g. microsoft-teams or microsoft-teams,zoom (repeatable)', collect)
    .option('--domain <host>', "a self-hosted template's server host name, e.g. chat.example.com")
    .option('--name <name>', 'site name, shown in every report')
    .option('--size <size>', 'small, medium, large or enterprise')
    .option('--users <n>', 'people at the site who will use the platform')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country code, e.g. CN')
    .option('--link <name:down/up>', 'a link with its Mbps, e.g. internet:200/50 (repeatable or comma-separated)', collect)
    .option('--probe <host:port>', 'a reflector (`siteready serve`); its token is read from $SITEREADY_TOKEN at run time')
    .option('--pac <url|path>', 'PAC file the clients use')
    .option('--proxy <url>', 'proxy the clients use (default: $HTTPS_PROXY); a password in it is never written')
    .option('--no-detect-proxy', 'do not read the proxy from the environment or the desktop settings')
    .option('--force', 'overwrite an existing file')
    .option('-y, --yes', 'never ask: take the flags and defaults (also when standard input is not a terminal)')
    .addOption(new Option('--lang <lang>', 'language of questions and messages').choices(['en', 'zh-CN']))
    .addHelpText(
      'after',
      `
Examples:
  $ siteready init                                   # asks on a terminal, writes site.yaml
  $ siteready init --platform microsoft-teams --name "Shanghai branch" --country CN --users 300 --link internet:200/50 --yes
  $ siteready init branch.yaml --platform microsoft-teams,zoom,feishu --name "Shenzhen branch" --yes
  $ siteready init --platform mattermost --domain chat.example.com --name HQ --yes
  $ siteready init - --platform zoom --name HQ --yes > site.yaml

The proxy is read from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, auto_proxy and, on Linux, the GNOME
proxy settings; nothing is looked up on the network. A password in the proxy URL is never written:
the file refers to \${SITEREADY_PROXY_PASSWORD} instead.
Exit code 0 when written, 2 when a value is wrong or missing, or the file exists (--force).`,
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { initCommand } = await import('./init.js');
      return initCommand(file, opts);
    });

  program
    .command('schema')
    .description(
      'print the JSON Schema of site files (or of reports with --report, fleet reports with --fleet, compliance profiles with --profile)',
    )
    .option('--report', 'the report schema instead')
    .option('--fleet', 'the fleet report schema (siteready merge --format json) instead')
    .option('--profile', 'the compliance profile schema instead')
    .addHelpText(
      'after',
      '\nExamples:\n  $ siteready schema > site.schema.json      # for the YAML language server\n  $ siteready schema --report > report.schema.json\n  $ siteready schema --fleet > fleet.schema.json\n  $ siteready schema --profile > profile.schema.json',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { schemaCommand } = await import('./schema.js');
      return schemaCommand(opts);
    });

  program
    .command('checks')
    .description('list the checks, or explain one: what it measures, inputs, thresholds, sources')
    .argument('[id]', 'a check id')
    .option('--json', 'machine-readable')
    .addOption(new Option('--lang <lang>', 'language').choices(['en', 'zh-CN']))
    .addHelpText('after', '\nExamples:\n  $ siteready checks\n  $ siteready checks tcp\n  $ siteready checks --json')
    .action(async (id: string | undefined, opts: Record<string, unknown>) => {
      const { checksCommand } = await import('./checks.js');
      return checksCommand(id, opts);
    });

  program
    .command('profiles')
    .description('list the shipped compliance profiles, or explain one: every rule, its severity, clauses and sources')
    .argument('[id]', 'a profile id, or the path of a profile file')
    .option('--json', 'machine-readable: the profile with its rules, each with references[]')
    .addOption(new Option('--lang <lang>', 'language').choices(['en', 'zh-CN']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ siteready profiles\n  $ siteready profiles finance-cn\n  $ siteready profiles ./my-profile.yaml --json\n  $ siteready profiles mlps-2.0-l3 --lang zh-CN',
    )
    .action(async (id: string | undefined, opts: Record<string, unknown>) => {
      const { profilesCommand } = await import('./profiles.js');
      return profilesCommand(id, opts);
    });

  program
    .command('platforms')
    .description(
      'list the platform catalogs (endpoints, ranges, relays, targets), show one with its sources, or update them from the vendor feeds',
    )
    .argument('[args...]', '<id> to show one; update [id…] to read the vendor feeds')
    .option('--json', 'machine-readable output')
    .option('--source-url <url>', 'update: read this mirror of the feed instead of the vendor (air-gapped networks)')
    .option('--force', 'update: ask the vendor even if checked within the hour')
    .option('--timeout <seconds>', 'update: deadline per platform', '30')
    .option('--proxy <url>', 'update: http(s) proxy (default: $HTTPS_PROXY)')
    .addOption(new Option('--lang <lang>', 'language').choices(['en', 'zh-CN']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ siteready platforms\n  $ siteready platforms microsoft-teams\n  $ siteready platforms --json\n  $ siteready platforms update\n  $ siteready platforms update microsoft-teams --source-url https://mirror.corp.example/o365',
    )
    .action(async (args: string[], opts: Record<string, unknown>) => {
      const { platformsCommand } = await import('./platforms.js');
      return platformsCommand(args, opts);
    });

  gateOptions(
    runOptions(
      outputOptions(
        program
          .command('run')
          .description('run one check against ad-hoc targets, without a site file')
          .argument('<check>', 'check id (see `siteready checks`)')
          .argument('<targets...>', 'host:port, [v6]:port or URL (https://, wss://); sweep: host:ports, e.g. 10.0.0.1:80,443,8000-8100')
          .option('--ca <file>', 'extra trusted CA certificates (PEM)')
          .option('--dns-server <ip[:port]...>', 'resolve with these servers instead of the system resolver')
          .option('--token-file <file>', 'reflector token for probe checks (default: $SITEREADY_TOKEN)')
          .option('--duration <seconds>', 'probe checks: length of each measurement')
          .option(
            '--streams <n>',
            'throughput, qos --under-load: parallel TCP streams; bufferbloat: those of the first step (doubled each step)',
          )
          .addOption(
            new Option('--direction <dir>', 'throughput, bufferbloat, qos --under-load: which direction').choices(['down', 'up', 'both']),
          )
          .addOption(new Option('--transport <t>', 'throughput: raw TCP, WebSocket or both').choices(['tcp', 'ws', 'both']))
          .addOption(new Option('--profile <p>', 'latency: media cadence').choices(['audio', 'video', 'both']))
          .option('--classes <list>', 'qos: traffic classes to test, e.g. ef,af41,af21,cs0 (names or DSCP numbers)')
          .option('--under-load', 'qos: also saturate the link and compare marked with unmarked traffic')
          .option('--load-duration <seconds>', 'qos --under-load: how long the link is saturated per direction')
          .option('--ladder <list>', 'idle: hold times, e.g. 2s,5s,10s')
          .option('--keepalive <duration>', "idle: the IM client's keep-alive interval (default 30s)"),
      ),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ siteready run tcp db.corp.example:5432 10.1.2.3:443
  $ siteready run sweep 10.1.2.3:20000-20249 chat.example.com:80,443,8000-8100
  $ siteready run http https://chat.example.com/api/health
  $ siteready run websocket wss://chat.example.com/ws --json
  $ SITEREADY_TOKEN=... siteready run throughput 127.0.0.1:7000 --duration 10 --streams 4
  $ SITEREADY_TOKEN=... siteready run latency reflector.dc1.example:7000 --profile audio
  $ SITEREADY_TOKEN=... siteready run qos reflector.dc1.example:7000 --classes ef,af41,af21,cs0
  $ siteready run idle wss://chat.example.com/ws --ladder 30s,2m,5m,10m
  $ SITEREADY_TURN_USERNAME=u SITEREADY_TURN_PASSWORD=... siteready run turn 'turn:turn.example.com:3478?transport=udp'
${EXIT_CODES}`,
    )
    .action(async (check: string, targets: string[], opts: Record<string, unknown>) => {
      const { runCommand } = await import('./run.js');
      return runCommand(check, targets, opts);
    });

  gateOptions(
    outputOptions(
      program
        .command('report')
        .description('render and gate a saved JSON report again, or judge its facts again, without measuring (any format, any language)')
        .argument('<report.json>', 'a report written by --format json=FILE')
        .option(
          '--rejudge',
          'judge the saved facts again with the thresholds, check options, waivers and profiles of the site file (no network)',
        )
        .option('--site <site.yaml>', 'with --rejudge: the site file to judge with (default: the site the report describes)')
        .option('--profile <id...>', "with --rejudge: compliance profiles (ids or paths) instead of the site file's")
        .option('--store [url]', `import the report into a history store (a run already there is not added twice); ${STORE_HELP}`)
        .option('--otlp [url]', `send the report's metrics to an OpenTelemetry collector (OTLP/HTTP); ${OTLP_HELP}`)
        .option('--otlp-header <name=value>', OTLP_HEADER_HELP, collect),
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ siteready report report.json                              # the terminal report again
  $ siteready report report.json --lang zh-CN -f md=report.md  # a Chinese Markdown copy
  $ siteready report report.json -f junit=siteready.xml,sarif=siteready.sarif --fail-on high
  $ siteready report report.json --min-grade B --quiet        # gate only (exit 1 when it fails)
  $ siteready report report.json --rejudge --site stricter.yaml --fail-on high
  $ siteready report report.json --rejudge --profile finance-cn -f html=finance-cn.html
  $ siteready report report.json --store postgres://siteready@db.corp.example/siteready --quiet   # import a saved run
  $ siteready report report.json --otlp http://otel-collector.corp.example:4318 --quiet   # send its metrics, stamped when it was measured

Without gate options the gate saved in the report is evaluated again. --rejudge needs no network:
results whose facts cannot be judged again (an older facts version, a target the site no longer
has) become errors of kind not-rejudged, never their old verdicts.

${OTLP_NOTES}
${EXIT_CODES}`,
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { reportCommand } = await import('./report.js');
      return reportCommand(file, opts);
    });

  program
    .command('compare')
    .description('what changed between two saved reports: improved, regressed, appeared, disappeared')
    .argument('<before>', 'the earlier report: a JSON file, or with --store a run id or a date')
    .argument('<after>', 'the later report: a JSON file, or with --store a run id or a date')
    .option('--store [url]', `take either side from a history store; ${STORE_HELP}`)
    .option('--site <name>', 'with --store: the site whose run a date picks')
    .option('-f, --format <list>', 'terminal, json, md; several at once: terminal,md=changes.md', 'terminal')
    .option('-o, --out <file>', 'write the (single non-terminal) format to this file')
    .option('--json', 'shorthand for --format json (to stdout)')
    .addOption(new Option('--lang <lang>', 'language (default from LANG)').choices(['en', 'zh-CN']))
    .option('--tolerance <percent>', 'list measurements that changed by more than this', '10')
    .option('--fail-on-regression', 'exit 1 when anything got worse: a result, a new unwaived finding, the score or the grade')
    .option('--no-color', 'no colours')
    .option('--no-step-summary', 'under GitHub Actions, do not append the comparison to $GITHUB_STEP_SUMMARY')
    .option('-q, --quiet', 'no notes on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ siteready compare before.json after.json
  $ siteready compare baseline.json report.json --fail-on-regression      # CI: no regression
  $ siteready compare before.json after.json --json | jq .regressions
  $ siteready compare before.json after.json -f md=changes.md --tolerance 20
  $ siteready compare --store sqlite:runs.sqlite 12 15                      # two stored runs by id
  $ siteready compare --store --site "Shanghai branch" 2026-03-01 2026-06-01  # by date
  $ siteready compare --store 12 report.json                                # a stored run and a file

With --store, an argument that names an existing file is read as a report; otherwise it is a run id
(see \`siteready history\`) or a date. A date (2026-03-01: the end of that UTC day; or a date-time)
picks the site's latest run that started at or before it, else its earliest run after it. The site is
--site, else the other side's site, else the store's only site.

Exit codes:
  0  compared (no regression, or --fail-on-regression not given)
  1  --fail-on-regression and something regressed
  2  a file is missing, not JSON or not a siteready report`,
    )
    .action(async (before: string, after: string, opts: Record<string, unknown>) => {
      const { compareCommand } = await import('./compare.js');
      return compareCommand(before, after, opts);
    });

  program
    .command('merge')
    .description(
      "many sites' saved reports as one fleet report: sites worst first, the causes that block the most sites, platforms across sites",
    )
    .argument('[reports...]', 'report files (--format json=FILE), directories of them, or patterns such as "reports/*.json"')
    .option(
      '--store [url]',
      `also the latest run of every site in a history store; ${STORE_HELP} (no value: $SITEREADY_STORE, else that file)`,
    )
    .option('--since <date>', 'with --store: only runs that started on or after this date (2026-03-01)')
    .option(
      '-f, --format <list>',
      'terminal, json, md, html, csv; several at once: terminal,html=fleet.html,csv=fleet.csv (default: terminal on a terminal, else json)',
    )
    .option('-o, --out <file>', 'write the (single non-terminal) format to this file')
    .option('--json', 'shorthand for --format json (to stdout)')
    .addOption(new Option('--lang <lang>', 'language (default from LANG)').choices(['en', 'zh-CN']))
    .option('--title <text>', 'a name for the fleet (the title of the HTML and Markdown reports), e.g. "Retail branches, wave 2"')
    .option('--prepared-by <text>', 'HTML: who prepared the report (consultant, team)')
    .option('--no-color', 'no colours')
    .option('-q, --quiet', 'no note on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ siteready merge reports/                                   # every *.json in the directory
  $ siteready merge reports/*.json -f terminal,html=fleet.html,csv=fleet.csv
  $ siteready merge 'reports/*.json' --json | jq '.causes[:3]'
  $ siteready merge reports/ --lang zh-CN --title "华东分行" -f md=fleet.md
  $ siteready merge --store 'postgres://siteready:\${PGPASSWORD}@db.corp.example/siteready' --since 2026-03-01 -f html=fleet.html

A site (organisation + name) measured more than once counts with its latest run (by finish time);
the earlier runs are listed as superseded. Causes are grouped across sites: a vendor host by its
name, a site's own proxy, resolver or reflector by how it failed, any other finding by check and
finding id; they are ranked by the number of sites they block.

Exit codes:
  0  merged (merge is not a gate)
  2  an input is missing or not a siteready report (the file is named), or an output cannot be written
  3  internal error`,
    )
    .action(async (reports: string[], opts: Record<string, unknown>) => {
      const { mergeCommand } = await import('./merge.js');
      return mergeCommand(reports, opts);
    });

  program
    .command('history')
    .description('runs recorded with --store, of one site or all, over time: score, grade, verdict, key measurements')
    .option('--store [url]', `${STORE_HELP} (default: $SITEREADY_STORE, else that file)`)
    .option('--site <name>', 'only the runs of this site (its name, as in site.name)')
    .option('--since <date>', 'only runs that started on or after this date (2026-03-01 or 2026-03-01T09:30Z)')
    .option('--limit <n>', 'at most this many runs, the newest')
    .option('-f, --format <list>', 'terminal, json, md, html; several at once: terminal,html=history.html', 'terminal')
    .option('-o, --out <file>', 'write the (single non-terminal) format to this file')
    .option('--json', 'shorthand for --format json (to stdout): { runs: [...] }')
    .addOption(new Option('--lang <lang>', 'language (default from LANG)').choices(['en', 'zh-CN']))
    .option('--no-color', 'no colours')
    .addHelpText(
      'after',
      `
Examples:
  $ siteready history                                     # the default SQLite file
  $ siteready history --store sqlite:runs.sqlite --site "Shanghai branch" --limit 20
  $ siteready history --store 'postgres://siteready:\${PGPASSWORD}@db.corp.example/siteready' --json | jq '.runs[0]'
  $ siteready history --since 2026-01-01 -f terminal,html=history.html   # with a trend chart per site

The default store is $XDG_DATA_HOME/siteready/history.sqlite (~/.local/share/siteready on Linux,
~/Library/Application Support/siteready on macOS, %LOCALAPPDATA%\\siteready on Windows).
Exit code 0, or 2 when the store cannot be opened or an option is wrong.`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const { historyCommand } = await import('./history.js');
      return historyCommand(opts);
    });

  program
    .command('serve')
    .description('run the reflector that throughput, latency and bufferbloat checks measure against')
    .option('-l, --listen <host:port>', 'TCP address (control, throughput, WebSocket)', '0.0.0.0:7000')
    .option('--udp-port <port>', 'UDP port for media-like probes (default: the TCP port)')
    .option('--token-file <file>', 'file holding the shared token (default: $SITEREADY_TOKEN)')
    .option('--max-sessions <n>', 'concurrent sessions allowed (default 16)')
    .option(
      '--max-tests <n>',
      "bandwidth tests run at once; other sites' tests wait their turn, told their place in the queue (default 1; 0: no schedule)",
    )
    .option(
      '--max-per-source <n>',
      'connections not yet authenticated allowed at once from one address (an IPv6 /64); the oldest is closed to make room (default 64)',
    )
    .option('-q, --quiet', 'no log lines')
    .addHelpText(
      'after',
      `
The token is never taken from the command line (it would show in process lists).
Facing the internet: a connection must send an authenticated request within 5 s; at most 64
connections may wait so per source and 256 in all, the oldest closed to make room; authenticated
streams (128) have slots of their own. SIGINT, SIGTERM and SIGHUP stop it cleanly.
Many sites, one reflector: a throughput or bufferbloat test loads the path only in its turn
(--max-tests at a time, first come first served); latency probes are not queued.

Examples:
  $ export SITEREADY_TOKEN=$(openssl rand -hex 32)
  $ siteready serve --listen 0.0.0.0:7000
  $ siteready serve --listen [::]:7000 --udp-port 7001 --token-file /etc/siteready/token`,
    )
    .action(async (opts: Record<string, unknown>) => {
      const { serveCommand } = await import('./serve.js');
      return serveCommand(opts as never);
    });

  program
    .command('plan')
    .description('peak real-time demand vs link capacity, from the site file alone (no measuring)')
    .argument('<site.yaml>', 'site description with demand.personas and network.links')
    .option('--json', 'machine-readable')
    .addOption(new Option('--lang <lang>', 'language').choices(['en', 'zh-CN']))
    .addHelpText(
      'after',
      `
Examples:
  $ siteready plan site.yaml
  $ siteready plan site.yaml --json | jq .headroomMbps
  $ siteready plan site.yaml --json | jq .backupOnly       # the failover case, with a backup link

Links count by role: primary and aggregate links are summed; a backup link is assessed on its own.

Exit codes:
  0  real-time demand fits within the allowance (or cannot be told: no capacity known)
  1  shortfall: demand exceeds the allowance of the primary and aggregate links
     (a shortfall on the backup links alone is shown, but does not change the code)
  2  usage or configuration error (bad YAML, schema, no demand.personas)`,
    )
    .action(async (file: string, opts: Record<string, unknown>) => {
      const { planCommand } = await import('./plan.js');
      return planCommand(file, opts);
    });

  outputOptions(
    program
      .command('demo')
      .description('start a loopback lab (HTTPS, WebSocket, TCP, DNS) and assess examples/demo-site.yaml against it')
      .option('--report-file <file>', 'where to write the JSON report', 'siteready-report.json'),
  )
    .option('--platform <ids>', 'also assess these platform catalogs, the lab answering for their hosts (e.g. microsoft-teams,zoom)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ siteready demo\n  $ siteready demo --lang zh-CN\n  $ siteready demo --format json --quiet\n  $ siteready demo --platform microsoft-teams,zoom,feishu',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { demoCommand } = await import('./demo.js');
      return demoCommand(opts);
    });

  return program;
}

/** Runs the program; never throws. Resolves to the exit code after output is flushed. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Subcommands copy settings only when created: override each, or their parse errors exit 1 directly.
  for (const cmd of [program, ...program.commands]) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if ((err as { code?: string }).code === 'commander.missingArgument') hintSwallowedFile(argv);
    return handleError(err, argv.includes('--debug'));
  }
}

/** Options whose value is optional: `--store site.yaml` takes the site file as the store. */
const OPTIONAL_VALUE_OPTIONS = ['--store', '--otlp'];

/** `siteready assess --otlp site.yaml`: says which option took the file, and how to write it. */
function hintSwallowedFile(argv: string[]): void {
  const at = argv.findIndex((a, i) => OPTIONAL_VALUE_OPTIONS.includes(a) && /\.ya?ml$/i.test(argv[i + 1] ?? ''));
  if (at < 0) return;
  const [option, file] = [argv[at]!, argv[at + 1]!];
  process.stderr.write(`hint: ${option} took ${file} as its value; put the site file first (… ${file} ${option}) or write ${option}=URL\n`);
}

async function handleError(err: unknown, debug: boolean): Promise<number> {
  const e = err as { code?: string; exitCode?: number; message?: string };
  // commander: help and version exit 0; its parse errors are usage errors.
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE;
  }
  const { isConfigError } = await import('../errors.js');
  if (isConfigError(err)) {
    const { formatConfigError } = await import('./diagnostics.js');
    const { colorEnabled } = await import('./terminal.js');
    const { Chalk } = await import('chalk');
    const c = new Chalk({ level: colorEnabled(process.stderr, undefined) ? 1 : 0 });
    process.stderr.write(formatConfigError(err, (s) => c.red.bold(s)));
    return EXIT.USAGE;
  }
  process.stderr.write(`siteready: internal error: ${e?.message ?? String(err)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(run again with --debug for details; please report it)\n');
  return EXIT.INTERNAL;
}

export async function main(argv: string[]): Promise<void> {
  setUpProcess();
  const code = finalExitCode(await run(argv));
  // Let stdout/stderr drain before exiting: a piped report must arrive whole.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  process.exit(code);
}
