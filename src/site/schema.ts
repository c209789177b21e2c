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

const severity = {
  type: 'string',
  enum: ['info', 'low', 'medium', 'high', 'critical'],
  description: 'Severity: info, low, medium, high or critical.',
} as const;
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
const extensions = {
  '^x-': { description: 'Your own field (x-anything): any value, kept with the site description and ignored by the checks.' },
} as const;

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
    $schema: {
      type: 'string',
      description:
        'Path or URL of the JSON Schema for editors, e.g. ./site.schema.json (written by `siteready schema`); ignored when loading.',
    },
    version: { const: 1, description: 'Format version of this file. Always 1 for now.' },
    site: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      description: 'The site being assessed: its name and the organisation it belongs to.',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200, description: 'Name of the site shown in reports, e.g. "Shanghai branch".' },
        organisation: { type: 'string', description: 'The organisation the site belongs to, shown in reports, e.g. "Example Bank".' },
        industry: {
          type: 'string',
          examples: ['finance', 'healthcare', 'government', 'education', 'manufacturing', 'retail', 'technology'],
          description: 'Sector of the organisation, e.g. finance or healthcare.',
        },
        size: {
          type: 'string',
          enum: ['small', 'medium', 'large', 'enterprise'],
          description: 'Size class of the organisation: small, medium, large or enterprise.',
        },
        users: {
          type: 'integer',
          minimum: 1,
          maximum: 10000000,
          description: 'Number of people at the site who will use the platform, e.g. 250.',
        },
        country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code.' },
      },
      patternProperties: extensions,
    },
    network: {
      type: 'object',
      additionalProperties: false,
      description: "The site's network: its links, proxy, DNS, port sweeps and declared address ranges.",
      properties: {
        links: {
          type: 'array',
          description:
            "The site's WAN links, with their rates and roles: the capacity check and `siteready plan` compare peak real-time demand with them.",
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name,
              kind: {
                type: 'string',
                enum: ['internet', 'mpls', 'sd-wan', 'vpn', 'lte', 'lan', 'other'],
                description: 'Kind of link: internet, mpls, sd-wan, vpn, lte, lan or other.',
              },
              role: {
                type: 'string',
                enum: ['primary', 'backup', 'aggregate'],
                default: 'primary',
                description:
                  'How the link carries traffic: primary (in use), aggregate (a bonded or load-shared member, in use alongside the others) or backup (carries traffic only when the others fail). Capacity sums primary and aggregate links; backup links are assessed on their own, as the failover case.',
              },
              downMbps: { type: 'number', exclusiveMinimum: 0, description: 'Downstream rate of the link, Mbit/s, e.g. 200.' },
              upMbps: { type: 'number', exclusiveMinimum: 0, description: 'Upstream rate of the link, Mbit/s, e.g. 50.' },
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
          description: "The web proxy the site's traffic goes through: an explicit URL, a PAC file, or the environment.",
          properties: {
            url: {
              type: 'string',
              pattern: '^(http|https)://',
              description: 'Explicit proxy URL starting with http:// or https://, e.g. http://proxy.corp.example:8080.',
            },
            username: { type: 'string', description: 'User name for proxy authentication (Basic); the password goes in password.' },
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
              hosts: {
                type: 'array',
                items: { type: 'string', minLength: 1 },
                minItems: 1,
                description: 'Host names or IP addresses to sweep, e.g. [media.example.com, 192.0.2.10].',
              },
              ports: {
                type: 'array',
                minItems: 1,
                description: 'TCP ports to try on every host: numbers or "low-high" ranges, e.g. [443, "8000-8010"].',
                items: {
                  anyOf: [
                    { type: 'integer', minimum: 1, maximum: 65535 },
                    { type: 'string', pattern: '^\\s*\\d{1,5}\\s*(-\\s*\\d{1,5}\\s*)?$' },
                  ],
                },
              },
              expect: {
                type: 'string',
                enum: ['reachable', 'blocked'],
                default: 'reachable',
                description: 'reachable (default): every host:port must accept a TCP connection; blocked: policy says none may.',
              },
              severity: { ...severity, description: 'Severity of a finding of this sweep (default high).' },
            },
          },
        },
        dns: {
          type: 'object',
          additionalProperties: false,
          description: 'How the dns check resolves names.',
          properties: {
            servers: {
              type: 'array',
              items: { type: 'string', minLength: 1 },
              description: 'Resolvers to query (ip or ip:port); default: the system resolver.',
            },
            timeoutMs: {
              type: 'integer',
              minimum: 50,
              maximum: 60000,
              description: 'How long to wait for each DNS answer, in milliseconds, e.g. 2000.',
            },
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
      description: 'The messaging platform to assess: a shipped catalog (preset) and/or your own endpoints.',
      properties: {
        name: { type: 'string', description: 'Name of the platform shown in reports, e.g. "Corporate IM".' },
        vendor: { type: 'string', description: 'Vendor of the platform, e.g. "Example Soft".' },
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
          description:
            "The platform's servers the site must reach (or, with expect: blocked, must not): a url, or host and port; every check that applies tests them.",
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
                description:
                  'What the endpoint serves (signalling, media, turn, sso, storage, …): decides which checks apply and how severe a failure is.',
              },
              url: { type: 'string', description: 'http(s)://, ws(s)://, ldap(s):// or smb:// URL. Either url, or host and port.' },
              host: {
                type: 'string',
                minLength: 1,
                maxLength: 253,
                description: 'Host name or IP address, with port, when there is no url, e.g. db.corp.example.',
              },
              port: { type: 'integer', minimum: 1, maximum: 65535, description: 'Port 1-65535, with host, e.g. 5432.' },
              protocol: {
                type: 'string',
                enum: ['https', 'http', 'wss', 'ws', 'tcp', 'tls', 'udp', 'stun', 'turn', 'turns', 'ldap', 'ldaps', 'smb'],
                description: "What host:port speaks, e.g. tls or udp (default: the url's scheme, else tcp).",
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
              subprotocols: {
                type: 'array',
                items: { type: 'string' },
                description: 'WebSocket subprotocols to offer (Sec-WebSocket-Protocol), e.g. [im.v2].',
              },
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
              expectStatus: {
                type: 'array',
                items: { type: 'integer', minimum: 100, maximum: 599 },
                description: 'HTTP status codes the http check accepts (default: any 2xx or 3xx), e.g. [200, 401].',
              },
              tls: {
                type: 'object',
                additionalProperties: false,
                description: "How this endpoint's certificate is judged (the interception and TLS checks).",
                properties: {
                  expectedIssuer: {
                    type: 'string',
                    description:
                      'Issuer the certificate chain must show, as distinguished-name parts, e.g. "CN=Corp Issuing CA, O=Example": a private CA that is not interception.',
                  },
                  spkiPins: {
                    type: 'array',
                    items: { type: 'string' },
                    description: 'Base64 SHA-256 pins of a public key in the chain (optional sha256/ prefix); one must match.',
                  },
                  ca: { type: 'string', description: 'PEM file of extra roots for this endpoint.' },
                  serverName: { type: 'string', description: 'TLS server name (SNI) to send instead of the host, e.g. im.example.com.' },
                },
              },
              credentials: {
                type: 'object',
                additionalProperties: false,
                description:
                  'What the endpoint needs to let a check in (TURN, a directory bind, an API token); secrets only as ${ENV} references.',
                properties: {
                  username: { type: 'string', description: 'User name (TURN, API); its secret goes in password.' },
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
        host: {
          type: 'string',
          minLength: 1,
          maxLength: 253,
          description: 'Host name or IP address of the reflector, e.g. probe.example.com.',
        },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 7000, description: 'TCP port of the reflector (default 7000).' },
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
      description: 'Real-time media use at the busiest moment: `siteready plan` and the capacity check set it against the links.',
      properties: {
        peakConcurrency: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description: 'Share (0-1) of users active at the busiest moment; informative: the persona shares already describe the peak.',
        },
        realtimeShare: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description: 'Share (0-1) of a link real-time media may use, for links that do not set their own (default 0.3).',
        },
        quality: {
          type: 'string',
          enum: ['minimum', 'recommended', 'best'],
          description: 'Bandwidth per stream to plan with: minimum, recommended (default) or best.',
        },
        personas: {
          type: 'array',
          description: 'Groups of users with the same habits, e.g. { name: staff, users: 200, audio: 0.1, video: 0.05 }.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'users'],
            properties: {
              name,
              users: { type: 'integer', minimum: 0, description: 'Number of people in this group, e.g. 200.' },
              audio: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Share (0-1) of them in an audio call at the busiest moment, e.g. 0.1 (taken as at least the video share).',
              },
              video: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Share (0-1) of them in a video call at the busiest moment, e.g. 0.05.',
              },
              screenShare: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Share (0-1) of them sharing their screen at the busiest moment, e.g. 0.02.',
              },
              meetings: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Share (0-1) of their video and screen sharing that is in meetings rather than 1:1 calls (default 1).',
              },
            },
          },
        },
      },
      patternProperties: extensions,
    },
    qos: {
      type: 'object',
      additionalProperties: false,
      description: 'The DSCP marks the site gives real-time traffic (the qos check, with a probe).',
      properties: {
        classes: {
          type: 'array',
          description: 'Traffic classes and their marks, e.g. { name: voice, dscp: 46, traffic: audio }.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'dscp'],
            properties: {
              name,
              dscp: {
                type: 'integer',
                minimum: 0,
                maximum: 63,
                description: 'DSCP value 0-63 the class is sent with, e.g. 46 (EF) for audio, 34 (AF41) for video.',
              },
              traffic: {
                type: 'string',
                enum: ['audio', 'video', 'screen-share', 'signalling', 'default'],
                description: 'What the class carries: audio, video, screen-share, signalling or default.',
              },
            },
          },
        },
        underLoad: {
          type: 'boolean',
          description: 'Also send the classes while the link is saturated, to see whether the marks still get priority.',
        },
      },
      patternProperties: extensions,
    },
    security: {
      type: 'object',
      additionalProperties: false,
      description: "Trust, TLS policy and the organisation's security posture (SSO, MFA, audit log, cryptography).",
      properties: {
        trust: {
          type: 'object',
          additionalProperties: false,
          description: 'Roots to trust besides the system ones.',
          properties: {
            caFile: { type: 'string', description: 'PEM bundle of extra trusted roots (e.g. a corporate CA).' },
          },
        },
        tls: {
          type: 'object',
          additionalProperties: false,
          description: 'The TLS policy platform endpoints are judged against.',
          properties: {
            minVersion: {
              type: 'string',
              enum: ['1.0', '1.1', '1.2', '1.3'],
              description: 'Lowest TLS version the organisation allows, e.g. "1.2" (read by compliance profiles).',
            },
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
      description: 'Compliance profiles the site is judged against, and accepted risks (waivers).',
      properties: {
        profiles: {
          type: 'array',
          items: { type: 'string' },
          description: 'Profile ids (`siteready profiles`) or paths of profile files, e.g. [baseline, finance-cn].',
        },
        waivers: {
          type: 'array',
          description: 'Accepted risks: matching failures no longer fail the gate; each is shown in every report with its justification.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['check', 'justification'],
            properties: {
              check: { type: 'string', minLength: 1, description: 'Id of the check waived, e.g. tls (compliance rules: compliance).' },
              target: {
                type: 'string',
                description: 'Only this target: an endpoint name, a sweep, or a compliance profile id (default: every target).',
              },
              finding: {
                type: 'string',
                description: 'Only results with this finding id, e.g. tls.protocol-tls10; a compliance rule: <profile>.<rule>.',
              },
              justification: { type: 'string', minLength: 10, description: 'Why the risk is accepted; shown in every report.' },
              expires: {
                type: 'string',
                pattern: '^\\d{4}-\\d{2}-\\d{2}$',
                description: 'YYYY-MM-DD; the waiver stops applying after this day.',
              },
              owner: { type: 'string', description: 'Who accepted the risk, e.g. "network team".' },
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
        properties: {
          enabled: {
            type: 'boolean',
            description: 'false: never run this check. An opt-in check runs once it has a section here (enabled: true is enough).',
          },
        },
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
      description: 'When a run fails (exit 1); the same as --fail-under, --min-grade and --fail-on.',
      properties: {
        failUnder: { type: 'number', minimum: 0, maximum: 100, description: 'Fail when the score (0-100) is below this, e.g. 80.' },
        minGrade: {
          type: 'string',
          enum: ['A', 'B', 'C', 'D', 'E', 'F'],
          description: 'Fail when the grade is worse than this (A best, F worst), e.g. B.',
        },
        failOn: { ...severity, description: 'Fail when any finding is this severe or worse, e.g. high.' },
      },
    },
  },
} as const;
