// JSON Schema of the report model (`siteready schema --report`). Consumers may rely on every
// field listed as required; `facts` are check-specific, versioned, and documented in each check's README.

const severity = { enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;
const category = { enum: ['network', 'security', 'compliance', 'integration', 'capacity'] } as const;
const grade = { enum: ['A', 'B', 'C', 'D', 'E', 'F'] } as const;
const location = {
  type: 'object',
  required: ['file', 'line', 'column'],
  properties: {
    file: { type: 'string' },
    line: { type: 'integer', minimum: 1 },
    column: { type: 'integer', minimum: 1 },
    path: { type: 'string' },
  },
} as const;
// A parameter is a value, or a nested message (a phrase translated with the rest).
const params = { type: 'object', additionalProperties: { type: ['string', 'number', 'object'] } } as const;
// Text is stored as a message id and its parameters, translated when a renderer formats it: the
// check's catalog (built-in, or carried in `catalogs`), or the core one for gate reasons.
const message = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, params },
} as const;
// A finding that counts against the rollout: where it is and how severe.
const concern = {
  type: 'object',
  required: ['check', 'target', 'category', 'severity', 'finding'],
  properties: {
    check: { type: 'string' },
    target: { type: 'string' },
    category,
    severity,
    finding: { type: 'string', description: 'The id of the finding in the result of this check and target.' },
    location,
  },
} as const;
// What decided a compliance rule: a site fact (YAML path and line) or a check result (check, target, field).
const decidedBy = {
  type: 'array',
  items: {
    type: 'object',
    required: ['fact'],
    properties: {
      fact: { type: 'string', description: 'The fact as the rule addressed it, e.g. endpoints[files].resolved[0].address.' },
      value: {},
      missing: { type: 'boolean' },
      source: { enum: ['site', 'check'] },
      yamlPath: { type: 'string' },
      location,
      check: { type: 'string' },
      target: { type: 'string' },
      field: { type: 'string' },
      measurement: { type: 'string' },
      status: { type: 'string' },
    },
  },
} as const;
const complianceDetails = {
  type: 'object',
  required: ['profile', 'profileVersion', 'rule', 'title', 'outcome', 'severity', 'references', 'decidedBy'],
  description: 'Details of a compliance rule result (check "compliance", target = profile id).',
  properties: {
    profile: { type: 'string' },
    profileVersion: { type: 'string' },
    rule: { type: 'string' },
    title: { type: 'string' },
    outcome: { enum: ['pass', 'fail', 'not-evaluated', 'not-applicable'] },
    severity,
    basis: {
      enum: ['declared', 'measured', 'mixed'],
      description: 'What decided the rule: only facts the site file declares, only measured results, or both (since 2.1).',
    },
    references: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['standard', 'clause', 'verified'],
        properties: {
          standard: { type: 'string', description: 'The source as the profile names it, e.g. "GB/T 22239-2019".' },
          clause: { type: 'string' },
          clauseZh: {
            type: 'string',
            description: 'The clause in Chinese, when the profile gives it (optional; absent in older reports).',
          },
          url: { type: 'string' },
          verified: { type: 'boolean', description: 'false: the clause could not be checked against a public text.' },
          note: { type: 'string' },
          sourceTitle: { type: 'string', description: 'Full title of the source document.' },
          edition: { type: 'string' },
        },
      },
    },
    decidedBy,
    why: {
      ...message,
      description:
        'Why the rule came out as it did: a message of the compliance catalog (carried in the report), with fact paths and values as parameters.',
    },
  },
} as const;

export const reportSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://siteready.dev/schema/report-v1.json',
  title: 'siteready report',
  type: 'object',
  required: [
    'schemaVersion',
    'tool',
    'site',
    'startedAt',
    'finishedAt',
    'durationMs',
    'score',
    'grade',
    'verdict',
    'complete',
    'categories',
    'checks',
    'results',
    'blockers',
    'waivers',
    'siteDescription',
  ],
  properties: {
    schemaVersion: { type: 'string', pattern: '^2\\.\\d+\\.\\d+$' },
    tool: {
      type: 'object',
      required: ['name', 'version', 'node'],
      properties: { name: { const: 'siteready' }, version: { type: 'string' }, node: { type: 'string' } },
    },
    site: {
      type: 'object',
      required: ['name', 'file', 'sha256'],
      properties: {
        name: { type: 'string' },
        organisation: { type: 'string' },
        file: { type: 'string' },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer', minimum: 0 },
    score: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
    grade: { anyOf: [grade, { type: 'null' }] },
    uncappedGrade: grade,
    gradeCap: {
      type: 'object',
      required: ['grade', 'reason'],
      properties: { grade, reason: { enum: ['critical', 'high'] } },
    },
    gradeNote: { enum: ['unreachable', 'nothing-measured'] },
    verdict: { enum: ['READY', 'READY WITH RISKS', 'NOT READY'] },
    complete: { type: 'boolean' },
    interruption: {
      type: 'object',
      required: ['kind', 'message'],
      description:
        'Present when the run was stopped before every task finished: the report holds what was measured until then (complete is false).',
      properties: {
        kind: { enum: ['signal'] },
        signal: { enum: ['SIGINT', 'SIGTERM', 'SIGHUP'] },
        message: { type: 'string' },
      },
    },
    categories: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'score', 'status', 'weight', 'checks'],
        properties: {
          id: category,
          score: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
          status: { enum: ['scored', 'incomplete', 'not-applicable'] },
          weight: { type: 'number' },
          checks: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'category', 'severity', 'weight', 'source', 'version', 'score', 'references'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          failureTitle: { type: 'string' },
          category,
          severity,
          weight: { type: 'number', minimum: 0 },
          source: { enum: ['builtin', 'plugin'] },
          origin: { type: 'string' },
          version: { type: 'string' },
          score: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          references: {
            type: 'array',
            items: {
              type: 'object',
              required: ['title'],
              properties: { title: { type: 'string' }, url: { type: 'string' }, clause: { type: 'string' } },
            },
          },
        },
      },
    },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['check', 'target', 'category', 'status', 'score', 'durationMs', 'measurements', 'facts', 'findings'],
        properties: {
          check: { type: 'string' },
          target: { type: 'string' },
          category,
          status: { enum: ['pass', 'warn', 'fail', 'info', 'skipped', 'error'] },
          score: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          durationMs: { type: 'integer', minimum: 0 },
          measurements: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'value'],
              properties: {
                id: { type: 'string' },
                value: { type: ['number', 'string', 'boolean', 'null'] },
                unit: { type: 'string' },
                threshold: {
                  type: 'object',
                  properties: { max: { type: 'number' }, min: { type: 'number' }, source: { type: 'string' } },
                },
              },
            },
          },
          facts: {
            type: 'object',
            description:
              "What the check measured, as its facts schema (versioned by factsVersion) describes; each check's README documents them. For a compliance rule: what decided it.",
            properties: {
              classification: {
                type: 'string',
                description:
                  'ok | dns-failure | refused | filtered | unreachable | tls-failure | http-error | timeout; later checks extend it.',
              },
            },
          },
          classification: {
            type: 'string',
            description:
              'How the path to the target behaved: ok | dns-failure | refused | filtered | unreachable | tls-failure | http-error | timeout | proxy-auth-required | proxy-denied | intercepted | auth-refused | server-error; checks may add words.',
          },
          path: { enum: ['direct', 'proxy'], description: 'The route the check took.' },
          reason: {
            type: 'string',
            description:
              "Why the result is skipped: not-applicable, disabled, opt-in, or the check's own reason (proxy-only, udp-blocked …).",
          },
          factsVersion: {
            type: 'integer',
            minimum: 1,
            description: "Version of the check's facts schema; absent: the facts cannot be judged again.",
          },
          blocks: {
            type: 'array',
            description: 'What the check shows of its facts: tables, key-value lists, series and bars labelled by message ids.',
            items: {
              type: 'object',
              required: ['kind'],
              properties: { kind: { enum: ['table', 'key-value', 'series', 'bars'] } },
            },
          },
          covers: {
            type: 'array',
            items: { type: 'string' },
            description:
              "Targets whose results reuse this result's measurement (one TLS audit per server): it speaks for them too (since 2.2).",
          },
          findings: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'severity', 'message'],
              properties: {
                id: { type: 'string' },
                severity,
                message,
                remediation: message,
                evidence: { type: 'object' },
                location,
              },
            },
          },
          error: {
            type: 'object',
            required: ['kind', 'message'],
            properties: {
              kind: {
                enum: [
                  'timeout',
                  'exception',
                  'invalid-outcome',
                  'cancelled',
                  'load-error',
                  'targets-error',
                  'not-evaluated',
                  'uncaught',
                  'not-measured',
                  'judge-error',
                  'not-rejudged',
                ],
              },
              message: { type: 'string' },
            },
          },
          waiver: {
            type: 'object',
            required: ['justification', 'location'],
            properties: { justification: { type: 'string' }, expires: { type: 'string' }, owner: { type: 'string' }, location },
          },
          location,
        },
        // Compliance rule results carry the rule, its clauses and what decided it.
        if: { properties: { check: { const: 'compliance' } }, required: ['check'] },
        then: { properties: { facts: complianceDetails } },
      },
    },
    blockers: {
      type: 'array',
      description: 'Unwaived critical and high findings of results that fail, warn or could not measure: what blocks the rollout.',
      items: concern,
    },
    risks: {
      type: 'array',
      description: 'Unwaived medium and low findings: risks and recommendations (since 2.1).',
      items: concern,
    },
    declared: {
      type: 'object',
      required: ['rules', 'passed', 'points'],
      description:
        "How much rests on the site file's word: compliance rules decided by declared facts alone, how many passed, and the points of the overall score those passes carry (since 2.1).",
      properties: {
        rules: { type: 'integer', minimum: 0 },
        passed: { type: 'integer', minimum: 0 },
        points: { type: 'number', minimum: 0 },
      },
    },
    vantage: {
      type: 'object',
      description: 'Where the test ran from: host, local and public (reflexive) addresses, resolvers, proxy, test window (since 2.1).',
      required: ['host', 'addresses', 'resolvers', 'resolverSource', 'reflexive', 'window'],
      properties: {
        host: { type: 'string' },
        os: { type: 'string' },
        addresses: { type: 'array', items: { type: 'string' } },
        resolvers: { type: 'array', items: { type: 'string' } },
        resolverSource: { enum: ['site', 'system'] },
        proxy: { type: 'string' },
        reflexive: { type: 'array', items: { type: 'string' } },
        window: {
          type: 'object',
          required: ['start', 'end'],
          properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } },
        },
      },
    },
    causes: {
      type: 'array',
      description:
        'Blockers and risks grouped by root cause (one proxy, resolver, reflector, unreachable host, TLS server, or one finding on one host), the ones to do first first: most severe, then most results unblocked (since 2.1).',
      items: {
        type: 'object',
        required: ['id', 'kind', 'severity', 'blocking', 'title', 'lead', 'results', 'affected'],
        properties: {
          id: { type: 'string' },
          kind: { enum: ['proxy', 'resolver', 'dns', 'reflector', 'path', 'tls-server', 'finding'] },
          severity,
          blocking: { type: 'boolean' },
          title: message,
          lead: {
            type: 'object',
            required: ['check', 'target', 'finding'],
            description: "The finding that stands for the cause; its check's remediation is the fix.",
            properties: { check: { type: 'string' }, target: { type: 'string' }, finding: { type: 'string' } },
          },
          results: { type: 'integer', minimum: 1 },
          affected: {
            type: 'array',
            items: {
              type: 'object',
              required: ['check', 'target', 'finding', 'severity'],
              properties: { check: { type: 'string' }, target: { type: 'string' }, finding: { type: 'string' }, severity },
            },
          },
          location,
        },
      },
    },

    waivers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['check', 'justification', 'status', 'matches', 'location'],
        properties: {
          check: { type: 'string' },
          target: { type: 'string' },
          finding: { type: 'string' },
          justification: { type: 'string' },
          expires: { type: 'string' },
          owner: { type: 'string' },
          status: { enum: ['applied', 'expired', 'unused'] },
          matches: { type: 'array', items: { type: 'string' } },
          location,
        },
      },
    },
    gate: {
      type: 'object',
      required: ['passed', 'reasons', 'options'],
      properties: { passed: { type: 'boolean' }, reasons: { type: 'array', items: message }, options: { type: 'object' } },
    },
    compliance: {
      type: 'array',
      description: 'The compliance profiles evaluated, with how their rules came out.',
      items: {
        type: 'object',
        required: ['id', 'title', 'version', 'file', 'rules', 'passed', 'failed', 'notEvaluated', 'notApplicable', 'waived'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          version: { type: 'string' },
          file: { type: 'string' },
          rules: { type: 'integer', minimum: 0 },
          passed: { type: 'integer', minimum: 0 },
          failed: { type: 'integer', minimum: 0 },
          notEvaluated: { type: 'integer', minimum: 0 },
          notApplicable: { type: 'integer', minimum: 0 },
          waived: { type: 'integer', minimum: 0 },
        },
      },
    },
    platforms: {
      type: 'array',
      description:
        'The platform catalogs the site used (platform.preset, platforms:), each judged on its own endpoints plus everything site-wide, with its vendor targets: which platform this site is ready for.',
      items: {
        type: 'object',
        required: [
          'id',
          'name',
          'version',
          'sources',
          'unconfirmed',
          'endpoints',
          'score',
          'grade',
          'verdict',
          'complete',
          'blockerCount',
          'blockers',
        ],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          vendor: { type: 'string' },
          kind: { enum: ['saas', 'self-hosted'] },
          version: { type: 'string', description: 'Catalog version (snapshot date, or the vendor feed version after `platforms update`).' },
          instance: { type: 'string' },
          sources: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'url', 'read'],
              properties: { id: { type: 'string' }, url: { type: 'string' }, read: { type: 'string' } },
            },
          },
          unconfirmed: {
            type: 'array',
            description: 'Catalog entries no public source confirmed, and why.',
            items: { type: 'object', required: ['entry', 'why'], properties: { entry: { type: 'string' }, why: { type: 'string' } } },
          },
          endpoints: { type: 'integer', minimum: 0 },
          untested: { type: 'array', items: { type: 'string' } },
          score: { type: ['integer', 'null'] },
          grade: { anyOf: [grade, { type: 'null' }] },
          verdict: { enum: ['READY', 'READY WITH RISKS', 'NOT READY'] },
          complete: { type: 'boolean' },
          blockerCount: { type: 'integer', minimum: 0 },
          ownBlockerCount: {
            type: 'integer',
            minimum: 0,
            description: "Blockers on the platform's own endpoints; the rest are site-wide.",
          },
          blockers: {
            type: 'array',
            items: {
              type: 'object',
              required: ['check', 'target', 'severity', 'finding', 'message'],
              properties: {
                check: { type: 'string' },
                target: { type: 'string' },
                category,
                severity,
                finding: { type: 'string' },
                message,
                own: { type: 'boolean', description: "On one of the platform's own endpoints (else site-wide)." },
              },
            },
          },
        },
      },
    },
    rejudged: {
      type: 'object',
      required: ['at', 'site', 'measuredWith', 'notRejudged'],
      description:
        'Present when the saved facts were judged again: when, with which site file, and the results that could not be (they are errors of kind not-rejudged).',
      properties: {
        at: { type: 'string', format: 'date-time' },
        site: { type: 'object', required: ['file', 'sha256'], properties: { file: { type: 'string' }, sha256: { type: 'string' } } },
        measuredWith: { type: 'string' },
        notRejudged: {
          type: 'array',
          items: {
            type: 'object',
            required: ['check', 'target', 'reason'],
            properties: { check: { type: 'string' }, target: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
    catalogs: {
      type: 'object',
      description:
        "Message catalogs (language → id → text) of the plugins and compliance profiles the report names; built-in checks' ship with siteready.",
      additionalProperties: { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    siteDescription: {},
  },
} as const;
