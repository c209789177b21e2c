// JSON Schema of the fleet report (`siteready schema --fleet`): what `siteready merge --format json`
// writes. Consumers may rely on every field listed as required. Text is stored as message ids and
// parameters, as in a site report; `catalogs` carries the plugins' and profiles' text.

const severity = { enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;
const grade = { enum: ['A', 'B', 'C', 'D', 'E', 'F'] } as const;
const verdict = { enum: ['READY', 'READY WITH RISKS', 'NOT READY'] } as const;
const message = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, params: { type: 'object', additionalProperties: { type: ['string', 'number', 'object'] } } },
} as const;
const count = { type: 'integer', minimum: 0 } as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const score = { type: ['number', 'null'] } as const;

export const fleetSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://siteready.dev/schema/fleet.json',
  title: 'siteready fleet report',
  type: 'object',
  required: ['schemaVersion', 'tool', 'generatedAt', 'summary', 'sites', 'causes', 'platforms', 'superseded', 'warnings'],
  additionalProperties: false,
  properties: {
    schemaVersion: { type: 'string', pattern: '^1\\.' },
    tool: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: { const: 'siteready' }, version: { type: 'string' } },
    },
    generatedAt: { type: 'string', format: 'date-time' },
    title: { type: 'string' },
    summary: {
      type: 'object',
      required: ['sites', 'ready', 'readyWithRisks', 'notReady', 'incomplete', 'medianScore', 'grades', 'superseded'],
      properties: {
        sites: count,
        ready: count,
        readyWithRisks: count,
        notReady: count,
        incomplete: { ...count, description: 'Sites whose kept run is incomplete.' },
        medianScore: score,
        grades: {
          type: 'object',
          required: ['A', 'B', 'C', 'D', 'E', 'F', 'none'],
          additionalProperties: count,
        },
        superseded: { ...count, description: 'Runs left out because a later run of the same site was given.' },
      },
    },
    sites: {
      type: 'array',
      description:
        'One per site (organisation + name), its latest run; worst first: NOT READY, READY WITH RISKS, READY, then lowest score.',
      items: {
        type: 'object',
        required: [
          'site',
          'verdict',
          'score',
          'grade',
          'complete',
          'blockers',
          'risks',
          'measuredAt',
          'toolVersion',
          'reportSchema',
          'siteSha256',
          'platforms',
        ],
        additionalProperties: false,
        properties: {
          site: { type: 'string', description: 'The site name (with its organisation when two organisations have a site of that name).' },
          organisation: { type: 'string' },
          verdict,
          score,
          grade: { anyOf: [grade, { type: 'null' }] },
          complete: { type: 'boolean' },
          blockers: count,
          risks: count,
          topCause: { type: 'string', description: 'The key (in causes[]) of the first thing to fix on this site.' },
          measuredAt: { type: 'string', format: 'date-time' },
          toolVersion: { type: 'string' },
          reportSchema: {
            type: 'string',
            description: 'The schema version of the site report (a 1.x report reads as 2.0.0 once migrated).',
          },
          siteSha256: { type: 'string', description: 'SHA-256 of the site file the run used.' },
          source: { type: 'string', description: 'Where the report was read from.' },
          platforms: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'verdict', 'score', 'version'],
              properties: { id: { type: 'string' }, verdict, score, version: { type: 'string' } },
            },
          },
        },
      },
    },
    causes: {
      type: 'array',
      description:
        'Root causes across sites, blocking the most sites first, then on the most sites. A vendor host (unreachable, not resolving, its TLS) is keyed by the host; a site-local proxy, resolver or reflector by how it failed; any other finding by check and finding id.',
      items: {
        type: 'object',
        required: ['key', 'kind', 'severity', 'title', 'check', 'finding', 'example', 'blocks', 'sites', 'results'],
        additionalProperties: false,
        properties: {
          key: { type: 'string' },
          kind: { enum: ['proxy', 'resolver', 'dns', 'reflector', 'path', 'tls-server', 'finding'] },
          severity: { ...severity, description: 'The most severe it is on any site.' },
          title: message,
          check: { type: 'string', description: "The lead finding's check: its catalog holds the title (finding kind) and the fix." },
          finding: { type: 'string' },
          fix: message,
          example: {
            type: 'string',
            description: "The site the title is taken from (the worst that has the cause): a finding's parameters are that site's.",
          },
          blocks: { ...names, description: 'Sites on which it blocks the rollout (critical or high there), worst first.' },
          sites: { ...names, description: 'Every site that has it, worst first.' },
          results: { ...count, description: 'Results it explains, summed over the sites.' },
        },
      },
    },
    platforms: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'sites', 'ready', 'readyWithRisks', 'notReady', 'medianScore', 'versions', 'topCauses', 'notReadySites'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          vendor: { type: 'string' },
          sites: count,
          ready: count,
          readyWithRisks: count,
          notReady: count,
          medianScore: score,
          versions: {
            type: 'array',
            description: 'Catalog versions the sites were measured against, most used first; more than one is also a warning.',
            items: { type: 'object', required: ['version', 'sites'], properties: { version: { type: 'string' }, sites: count } },
          },
          topCauses: {
            type: 'array',
            description: "Cause keys behind the platform's blockers, on the most sites first.",
            items: { type: 'object', required: ['key', 'sites'], properties: { key: { type: 'string' }, sites: count } },
          },
          notReadySites: names,
        },
      },
    },
    superseded: {
      type: 'array',
      description: 'Earlier runs of a site that a later run replaced.',
      items: {
        type: 'object',
        required: ['site', 'measuredAt', 'by'],
        properties: {
          site: { type: 'string' },
          organisation: { type: 'string' },
          measuredAt: { type: 'string', format: 'date-time' },
          source: { type: 'string' },
          by: {
            type: 'object',
            required: ['measuredAt'],
            properties: { measuredAt: { type: 'string', format: 'date-time' }, source: { type: 'string' } },
          },
        },
      },
    },
    warnings: { type: 'array', items: message },
    catalogs: {
      type: 'object',
      description: 'Message catalogs (check → language → id → text) the reports carried: plugins and compliance profiles.',
      additionalProperties: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'string' } } },
    },
  },
} as const;
