// The site file `siteready init` writes, as commented YAML text. Written as text rather than
// serialised so that every section can say why it is there and what to fill in next, including
// sections left as commented examples. Every value goes through `scalar()`, and the command parses
// the result with the site loader before writing it, so the text always round-trips.

import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { PROBE_TOKEN_ENV, PROXY_PASSWORD_ENV, type InitSite, type Link } from './init-site.js';
import { shellWord } from './shell-word.js';

/**
 * Plain YAML scalars this conservative never need quotes; anything else is written as JSON. A
 * colon is fine in a block value (`url: http://proxy:3128`) but not inside a flow mapping.
 */
const PLAIN_BLOCK = /^[A-Za-z0-9.][A-Za-z0-9 ._/()@:-]*$/;
const PLAIN_FLOW = /^[A-Za-z0-9.][A-Za-z0-9 ._/()-]*$/;

/**
 * A string as a YAML scalar that reads back as the same string: plain when it is unmistakably a
 * string, else double-quoted (a JSON string is a valid YAML one).
 */
export function scalar(value: string, context: 'block' | 'flow' = 'block'): string {
  const plain = context === 'flow' ? PLAIN_FLOW : PLAIN_BLOCK;
  if (plain.test(value) && !/[ :]$/.test(value) && !value.includes(' #') && !value.includes(': ') && parse(value) === value) return value;
  return JSON.stringify(value);
}

function flowList(items: string[]): string {
  return `[${items.map((i) => scalar(i, 'flow')).join(', ')}]`;
}

function linkLine(l: Link): string {
  const parts = [`name: ${scalar(l.name, 'flow')}`];
  if (l.kind) parts.push(`kind: ${l.kind}`);
  if (l.downMbps !== undefined) parts.push(`downMbps: ${l.downMbps}`);
  if (l.upMbps !== undefined) parts.push(`upMbps: ${l.upMbps}`);
  const todo =
    l.downMbps === undefined || l.upMbps === undefined
      ? `   # TODO: the contracted ${[l.downMbps === undefined ? 'downMbps' : '', l.upMbps === undefined ? 'upMbps' : ''].filter(Boolean).join(' and ')}, e.g. downMbps: 200, upMbps: 50`
      : '';
  return `    - { ${parts.join(', ')} }${todo}`;
}

export interface RenderOptions {
  /** The file being written, as the user named it ("site.yaml" when printing to stdout). */
  file: string;
}

export function renderInitYaml(site: InitSite, opts: RenderOptions): string {
  const file = shellWord(opts.file);
  const schemaFile = shellWord(join(dirname(opts.file), 'site.schema.json'));
  const out: string[] = [];
  const add = (...lines: string[]) => out.push(...lines);

  add(
    '# yaml-language-server: $schema=./site.schema.json',
    `# (\`siteready schema > ${schemaFile}\` writes that schema beside this file; editors then complete`,
    '# and check it as you type.)',
    '#',
    '# What siteready needs to know about one site: who is there, how it reaches the internet and which',
    '# messaging platform(s) it must be ready for. `siteready assess` plans its checks from this file.',
    '# Secrets are never written here: only ${VAR} references, read from the environment at run time.',
    'version: 1',
    '',
    '# The name appears in every report. Size, users and country feed capacity planning and the',
    '# compliance rules that depend on where people and data are.',
    'site:',
    `  name: ${scalar(site.name)}`,
  );
  if (site.size) add(`  size: ${site.size}`);
  else add('  # size: medium           # small | medium | large | enterprise');
  if (site.users) add(`  users: ${site.users}`);
  else add('  # users: 300             # people here who will use the platform (capacity planning)');
  if (site.country) add(`  country: ${site.country}`);
  else add('  # country: CN            # ISO 3166-1 alpha-2; data-residency rules compare against it');

  add(
    '',
    '# How this site reaches the platform. downMbps / upMbps are the contracted figures of each link:',
    '# the capacity check and `siteready plan` compare peak real-time demand with them.',
    'network:',
    '  links:',
    ...site.links.map(linkLine),
  );
  add(...proxyLines(site));

  add('', ...platformLines(site));

  add('');
  if (site.probe) {
    add(
      '# A reflector (`siteready serve`) on the far side of the path enables throughput, latency,',
      '# bufferbloat, call quality and measured capacity. The token is the one it was started with,',
      `# read from ${PROBE_TOKEN_ENV} at run time: set it before validate and assess.`,
      'probe:',
      `  host: ${scalar(site.probe.host)}`,
      `  port: ${site.probe.port}`,
      `  token: \${${PROBE_TOKEN_ENV}}`,
    );
  } else {
    add(
      '# Optional: a reflector (`siteready serve`) on the far side of the path enables throughput,',
      "# bufferbloat and measured capacity (latency and call quality use the platform's media relay",
      '# without one). Start it with a shared token and point this section at it:',
      '# probe:',
      '#   host: reflector.dc1.example',
      '#   port: 7000',
      `#   token: \${${PROBE_TOKEN_ENV}}     # the same token on both sides, from the environment`,
    );
  }

  const users = site.users ?? 300;
  const heavy = Math.max(0, Math.round(users / 5));
  add(
    '',
    "# Who uses real-time media at the busiest moment, as shares of each persona's users: the capacity",
    '# check and `siteready plan` turn it into peak demand against the links. Fill in and uncomment:',
    '# demand:',
    '#   personas:',
    `#     - { name: staff, users: ${users - heavy}, audio: 0.10, video: 0.05, screenShare: 0.02, meetings: 0.5 }`,
    `#     - { name: managers, users: ${heavy}, audio: 0.25, video: 0.15, screenShare: 0.05, meetings: 0.8 }`,
    '',
    '# Compliance profiles turn what a regulator or a policy requires into results in the report, each',
    '# traced to its clause. `siteready profiles` lists them; `siteready profiles <id>` explains one.',
    '# compliance:',
    '#   profiles: [baseline]',
    '',
    '# A gate for CI: assess exits 1 when the result is worse (the same as --min-grade B --fail-on high).',
    '# gate: { minGrade: B, failOn: high }',
    '',
    '# Next steps:',
    `#   siteready validate ${file}     # checks this file without measuring anything`,
    `#   siteready assess ${file}       # measures, scores and says what to fix`,
  );
  const envs = [...(site.proxy?.password ? [PROXY_PASSWORD_ENV] : []), ...(site.probe ? [PROBE_TOKEN_ENV] : [])];
  if (envs.length) add(`# Both need ${envs.join(' and ')} set in the environment first.`);
  return `${out.join('\n')}\n`;
}

function proxyLines(site: InitSite): string[] {
  const p = site.proxy;
  if (!p) {
    return [
      '  # No proxy was found in this environment. If the messaging clients use one, describe it here',
      '  # (without it, HTTPS_PROXY / NO_PROXY are honoured when set at run time):',
      '  # proxy:',
      '  #   url: http://proxy.corp.example:3128      # or, instead of url:',
      '  #   pac: http://wpad.corp.example/wpad.dat   # a PAC file (URL, or a path relative to this file)',
      '  #   noProxy: [.corp.example, 10.0.0.0/8]',
    ];
  }
  const lines = [
    `  # The proxy the messaging clients go through (from ${p.sources.join(' and ')}). Every connection`,
    '  # check follows the route a client would take: through it, or direct.',
    '  proxy:',
  ];
  if (p.url) lines.push(`    url: ${scalar(p.url)}`);
  if (p.commentedUrl) {
    lines.push(
      `    # ${p.commentedUrl.source} names a proxy as well; a url would win over the PAC file, so it is off:`,
      `    # url: ${scalar(p.commentedUrl.url)}`,
    );
  }
  if (p.pac) lines.push(`    pac: ${scalar(p.pac)}`);
  if (p.username !== undefined || p.password) {
    lines.push('    # The proxy URL carried credentials. The password is not copied into this file: set');
    lines.push(`    # ${PROXY_PASSWORD_ENV} in the environment of every validate and assess run.`);
    if (p.username !== undefined) lines.push(`    username: ${scalar(p.username)}`);
    if (p.password) lines.push(`    password: \${${PROXY_PASSWORD_ENV}}`);
  }
  if (p.noProxy?.length) lines.push(`    noProxy: ${flowList(p.noProxy)}   # these go direct`);
  if (p.commentedPac) {
    lines.push(
      `    # ${p.commentedPac.source} also names a PAC file; the url above wins over it, so it is off:`,
      `    # pac: ${scalar(p.commentedPac.pac)}`,
    );
  }
  return lines;
}

function platformLines(site: InitSite): string[] {
  // Commented examples of the site's own endpoints, for inside `platform:` or for a whole new one.
  const ownEndpoints = [
    '# endpoints:',
    '#   - { name: sso, url: "https://login.corp.example/", role: sso }',
    '#   - { name: ldap, url: "ldaps://dc1.corp.example:636", role: directory }',
  ];
  const parameters = site.domain
    ? ['  parameters:', `    domain: ${scalar(site.domain)}   # your server's host name: the template's endpoints are built from it`]
    : [];
  if (site.platforms.length === 1) {
    const id = site.platforms[0]!;
    return [
      '# The platform this site must be ready for: a shipped catalog of its endpoints, ports, published',
      "# ranges, media relays and the vendor's network targets, each traced to its source",
      `# (\`siteready platforms ${id}\` shows them). Your own systems (SSO, directory, file storage,`,
      "# HR/OA) add to the catalog's endpoints:",
      'platform:',
      `  preset: ${id}`,
      ...parameters,
      ...ownEndpoints.map((l) => `  ${l}`),
    ];
  }
  const lines = [
    '# The platforms to compare on this site in one run: each is judged on its own endpoints plus',
    '# everything site-wide, and the report shows them side by side. `siteready platforms <id>` shows',
    "# a catalog: endpoints, ports, ranges, relays, the vendor's targets and their sources.",
    `platforms: ${flowList(site.platforms)}`,
  ];
  if (parameters.length) {
    lines.push(
      `# ${site.templates.join(', ')} ${site.templates.length > 1 ? 'are templates' : 'is a template'} over your own servers: ${site.templates.length > 1 ? 'their' : 'its'} endpoints are built from this.`,
      "# Your own systems (SSO, directory, file storage) add to every platform's endpoints:",
      'platform:',
      ...parameters,
      ...ownEndpoints.map((l) => `  ${l}`),
    );
  } else {
    lines.push(
      "# Your own systems (SSO, directory, file storage) add to every platform's endpoints:",
      '# platform:',
      ...ownEndpoints.map((l) => `#   ${l.slice(2)}`),
    );
  }
  return lines;
}
