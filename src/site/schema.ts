// The site description contract (version 1). Published by `siteready schema` for editors
// (YAML language server) and used by the loader. Adding optional fields keeps old files valid;
// removing or retyping one needs `version: 2`.

import {
  dataSection,
  endpointResidencyProperty,
  networkResidencyProperties,
  policySection,
  securityPostureProperties,
  vendorSection,
} from './schema-posture.js';

const severity = { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;
const name = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$',
  description:
    'Identifier used in reports and waivers: letters, digits, ".", "_", "-" and "/" (a platform catalog\'s endpoints are named <platform>/<entry>).',
} as const;
const secretRef = {
  type: 'string',
  description: 'A secret: must be an ${ENV} reference; never written to any output.',
  'x-secret': true,
} as const;
// Sections that later check modules read get an escape hatch for vendor/organisation fields.
const extensions = { '^x-': {} } as const;

export const SITE_SCHEMA_ID = 'https://siteready.dev/schema/site-v1.json';

export const siteSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: SITE_SCHEMA_ID,
  title: 'siteready site description',
  description:
    'Describes a site (links, proxy, the messaging platform endpoints, demand, QoS, security and compliance needs) for `siteready assess`.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'site'],
  properties: {
    $schema: { type: 'string' },
    version: { const: 1, description: 'Format version of this file. Always 1 for now.' },
    site: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        organisation: { type: 'string' },
        industry: {
          type: 'string',
          examples: ['finance', 'healthcare', 'government', 'education', 'manufacturing', 'retail', 'technology'],
        },
        size: { type: 'string', enum: ['small', 'medium', 'large', 'enterprise'] },
        users: { type: 'integer', minimum: 1, maximum: 10000000 },
        country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code.' },
      },
      patternProperties: extensions,
    },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        links: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name,
              kind: { type: 'string', enum: ['internet', 'mpls', 'sd-wan', 'vpn', 'lte', 'lan', 'other'] },
              downMbps: { type: 'number', exclusiveMinimum: 0 },
              upMbps: { type: 'number', exclusiveMinimum: 0 },
              realtimeShare: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Share of the link that real-time media may use (Teams Network Planner default 0.3).',
              },
            },
            patternProperties: extensions,
          },
        },
        proxy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            url: { type: 'string', pattern: '^(http|https)://' },
            username: { type: 'string' },
            password: secretRef,
            pac: { type: 'string', description: 'PAC file: a path (relative to this file) or an http(s) URL.' },
            noProxy: {
              type: 'array',
              items: { type: 'string' },
              description: 'Hosts, domains (.corp.example) or CIDRs that bypass the proxy.',
            },
            fromEnv: {
              type: 'boolean',
              description: 'Also honour HTTP_PROXY / HTTPS_PROXY / NO_PROXY (default: true when no url or pac is given).',
            },
          },
          patternProperties: extensions,
        },
        sweeps: {
          type: 'array',
          description: 'Port-reachability sweeps: many host:port targets classified at once.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'hosts', 'ports'],
            properties: {
              name,
              hosts: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
              ports: {
                type: 'array',
                minItems: 1,
                items: {
                  anyOf: [
                    { type: 'integer', minimum: 1, maximum: 65535 },
                    { type: 'string', pattern: '^\\s*\\d{1,5}\\s*(-\\s*\\d{1,5}\\s*)?$' },
                  ],
                },
              },
              expect: { type: 'string', enum: ['reachable', 'blocked'], default: 'reachable' },
              severity,
            },
          },
        },
        dns: {
          type: 'object',
          additionalProperties: false,
          properties: {
            servers: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description: 'Resolvers to query (ip or ip:port); default: the system resolver.',
            },
            timeoutMs: { type: 'integer', minimum: 50, maximum: 60000 },
          },
        },
        ...networkResidencyProperties,
      },
      patternProperties: extensions,
    },
    platforms: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
      description:
        'Compare platforms on this site in one run: shipped catalog ids (`siteready platforms`). Each is expanded as platform.preset would be; the report judges each on its own and side by side.',
    },
    platform: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        vendor: { type: 'string' },
        preset: {
          type: 'string',
          pattern: '^[a-z0-9][a-z0-9-]*$',
          description:
            'A shipped platform catalog (`siteready platforms`): its endpoints, media relays, network targets and QoS marks. Endpoints below add to it, or replace a catalog endpoint of the same name.',
        },
        parameters: {
          type: 'object',
          additionalProperties: { type: 'string', minLength: 1 },
          description: 'Values a self-hosted template needs, e.g. domain: chat.example.com.',
        },
        endpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name,
              role: {
                type: 'string',
                enum: [
                  'signalling',
                  'api',
                  'web',
                  'media',
                  'stun',
                  'turn',
                  'files',
                  'push',
                  'directory',
                  'sso',
                  'update',
                  'other',
                  // Systems the IM platform integrates with (the directory, integration, api and storage checks).
                  'hr',
                  'oa',
                  'crm',
                  'ticketing',
                  'integration',
                  'storage',
                  'directory-sync',
                ],
              },
              url: { type: 'string', description: 'http(s)://, ws(s)://, ldap(s):// or smb:// URL. Either url, or host and port.' },
              host: { type: 'string', minLength: 1, maxLength: 253 },
              port: { type: 'integer', minimum: 1, maximum: 65535 },
              protocol: {
                type: 'string',
                enum: ['https', 'http', 'wss', 'ws', 'tcp', 'tls', 'udp', 'stun', 'turn', 'turns', 'ldap', 'ldaps', 'smb'],
              },
              via: {
                type: 'string',
                enum: ['direct', 'proxy', 'auto'],
                default: 'auto',
                description:
                  'auto: as the proxy settings (explicit, PAC, environment) decide for this URL; proxy: must go through it; direct: never.',
              },
              expect: {
                type: 'string',
                enum: ['reachable', 'blocked'],
                default: 'reachable',
                description: '`blocked`: policy says this port must not be reachable from the site.',
              },
              severity: { ...severity, description: 'Severity of a failure on this endpoint (overrides the check default).' },
              checks: { type: 'array', items: { type: 'string' }, description: 'Only these checks run against it.' },
              subprotocols: { type: 'array', items: { type: 'string' } },
              transports: {
                type: 'array',
                items: { type: 'string', enum: ['udp', 'tcp', 'tls'] },
                minItems: 1,
                description: 'STUN/TURN: transports to test (default udp and tcp; tls for turns).',
              },
              ports: {
                type: 'array',
                items: {
                  anyOf: [
                    { type: 'integer', minimum: 1, maximum: 65535 },
                    { type: 'string', pattern: '^\\s*\\d{1,5}\\s*(-\\s*\\d{1,5}\\s*)?$' },
                  ],
                },
                description: 'Extra ports to sweep on this host, e.g. a media range: [3478, "3479-3481"].',
              },
              expectStatus: { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 } },
              tls: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  expectedIssuer: { type: 'string' },
                  spkiPins: { type: 'array', items: { type: 'string' } },
                  ca: { type: 'string', description: 'PEM file of extra roots for this endpoint.' },
                  serverName: { type: 'string' },
                },
              },
              credentials: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  username: { type: 'string' },
                  password: secretRef,
                  token: secretRef,
                  bindDn: {
                    type: 'string',
                    minLength: 1,
                    description: 'Directory: the DN to bind as (with password) to test the service account.',
                  },
                },
              },
              ldap: {
                type: 'object',
                additionalProperties: false,
                description: 'Directory endpoints (the directory check).',
                properties: {
                  startTls: {
                    type: 'string',
                    enum: ['require', 'try', 'off'],
                    description: 'ldap:// only: require StartTLS (default), try it and report, or skip it.',
                  },
                },
              },
              sso: {
                type: 'object',
                additionalProperties: false,
                description: 'Identity provider endpoints (the sso check).',
                properties: {
                  kind: {
                    type: 'string',
                    enum: ['oidc', 'saml'],
                    description: 'Default: saml when the URL looks like metadata (…/metadata, .xml), else oidc.',
                  },
                  issuer: {
                    type: 'string',
                    description: 'OIDC: the issuer the discovery document must name (default: the URL it was fetched from).',
                  },
                },
              },
              storage: {
                type: 'object',
                additionalProperties: false,
                description: 'File storage endpoints (the storage check).',
                properties: {
                  kind: {
                    type: 'string',
                    enum: ['s3', 'webdav', 'smb', 'http'],
                    description: 'Default: smb for smb/port 445, else detected from the answer.',
                  },
                },
              },
              ...endpointResidencyProperty,
              orgSync: {
                type: 'boolean',
                description: 'This directory or API endpoint is also the source of the organisation structure sync (the org-sync check).',
              },
              mediaPath: {
                type: 'boolean',
                description: 'Use this STUN server as the far end of the latency and call-quality media streams (no reflector needed).',
              },
            },
            patternProperties: extensions,
          },
        },
      },
    },
    probe: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'token'],
      description:
        'A siteready reflector (`siteready serve`) on the far side of the path: enables throughput, latency, bufferbloat, call quality and measured capacity.',
      properties: {
        name: { ...name, description: 'Name shown in reports (default: host).' },
        host: { type: 'string', minLength: 1, maxLength: 253 },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 7000 },
        udpPort: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          description: 'Default: the reflector announces it (normally the TCP port).',
        },
        token: { ...secretRef, description: 'The shared token the reflector was started with: ${SITEREADY_TOKEN}.' },
      },
      patternProperties: extensions,
    },
    demand: {
      type: 'object',
      additionalProperties: false,
      properties: {
        peakConcurrency: { type: 'number', minimum: 0, maximum: 1 },
        realtimeShare: { type: 'number', minimum: 0, maximum: 1 },
        quality: { type: 'string', enum: ['minimum', 'recommended', 'best'] },
        personas: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'users'],
            properties: {
              name,
              users: { type: 'integer', minimum: 0 },
              audio: { type: 'number', minimum: 0, maximum: 1 },
              video: { type: 'number', minimum: 0, maximum: 1 },
              screenShare: { type: 'number', minimum: 0, maximum: 1 },
              meetings: { type: 'number', minimum: 0, maximum: 1 },
            },
          },
        },
      },
      patternProperties: extensions,
    },
    qos: {
      type: 'object',
      additionalProperties: false,
      properties: {
        classes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'dscp'],
            properties: {
              name,
              dscp: { type: 'integer', minimum: 0, maximum: 63 },
              traffic: { type: 'string', enum: ['audio', 'video', 'screen-share', 'signalling', 'default'] },
            },
          },
        },
        underLoad: { type: 'boolean' },
      },
      patternProperties: extensions,
    },
    security: {
      type: 'object',
      additionalProperties: false,
      properties: {
        trust: {
          type: 'object',
          additionalProperties: false,
          properties: {
            caFile: { type: 'string', description: 'PEM bundle of extra trusted roots (e.g. a corporate CA).' },
          },
        },
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: {
            minVersion: { type: 'string', enum: ['1.0', '1.1', '1.2', '1.3'] },
            ruleSets: {
              type: 'array',
              uniqueItems: true,
              items: { type: 'string', enum: ['mozilla-modern', 'mozilla-intermediate', 'nist-800-52r2', 'bsi-tr-02102-2', 'pci-dss-4'] },
              description: 'Rule sets the tls check judges every TLS endpoint against (default mozilla-intermediate).',
            },
          },
        },
        ...securityPostureProperties,
      },
      patternProperties: extensions,
    },
    data: dataSection,
    vendor: vendorSection,
    policy: policySection,
    compliance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        profiles: { type: 'array', items: { type: 'string' } },
        waivers: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['check', 'justification'],
            properties: {
              check: { type: 'string', minLength: 1 },
              target: { type: 'string' },
              finding: { type: 'string' },
              justification: { type: 'string', minLength: 10, description: 'Why the risk is accepted; shown in every report.' },
              expires: {
                type: 'string',
                pattern: '^\\d{4}-\\d{2}-\\d{2}$',
                description: 'YYYY-MM-DD; the waiver stops applying after this day.',
              },
              owner: { type: 'string' },
            },
          },
        },
      },
    },
    thresholds: {
      type: 'object',
      description: 'Overrides of check thresholds, keyed "<check>.<measurement>", e.g. "tcp.connectMs: 150".',
      propertyNames: { pattern: '^[a-z0-9][a-z0-9/-]*\\.[A-Za-z0-9.]+$' },
      additionalProperties: { type: 'number' },
    },
    checks: {
      type: 'object',
      description: 'Per-check options, keyed by check id; each check validates its own section.',
      additionalProperties: {
        type: 'object',
        properties: { enabled: { type: 'boolean' } },
      },
    },
    plugins: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Paths (relative to this file) or package names of third-party checks.',
    },
    gate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        failUnder: { type: 'number', minimum: 0, maximum: 100 },
        minGrade: { type: 'string', enum: ['A', 'B', 'C', 'D', 'E', 'F'] },
        failOn: severity,
      },
    },
  },
} as const;
