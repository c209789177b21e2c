// JSON Schema of a platform catalog (types.ts). Shipped catalogs are checked against it by the
// tests and again when a site uses one, so a hand-edited or cached catalog cannot plan nonsense.

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const portItem = {
  anyOf: [
    { type: 'integer', minimum: 1, maximum: 65535 },
    { type: 'string', pattern: '^\\d{1,5}-\\d{1,5}$' },
  ],
} as const;
const ports = { type: 'array', items: portItem, minItems: 1 } as const;
const category = {
  enum: ['optimize', 'allow', 'default'],
  description: "The vendor's own category (Microsoft: Optimize/Allow/Default).",
} as const;
const role = { enum: ['signalling', 'media', 'web', 'api', 'files', 'push', 'sso', 'update', 'other'] } as const;
// Host names as vendors write them: wildcards, and {parameter} placeholders in self-hosted templates.
const hostPattern = '^(\\*\\.)?([A-Za-z0-9{}_-]+\\.)*[A-Za-z0-9{}_-]+$';
const traced = {
  source: {
    description: 'Id(s) of the source(s) this entry was read from.',
    anyOf: [id, { type: 'array', items: id, minItems: 1 }],
  },
  unconfirmed: { type: 'string', minLength: 1, description: 'Present when the entry could not be confirmed in a public source: why.' },
} as const;
const tracedRequired = ['source'] as const;
const cidrs = { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F:.]+/\\d{1,3}$' }, minItems: 1 } as const;

export const catalogSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'siteready platform catalog',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'vendor', 'kind', 'version', 'description', 'sources', 'endpoints'],
  properties: {
    id,
    name: { type: 'string', minLength: 1 },
    vendor: { type: 'string', minLength: 1 },
    kind: { enum: ['saas', 'self-hosted'] },
    version: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(\\.\\d+)?$|^\\d{10}$|^\\d{4}-\\d{2}-\\d{2}\\+sha256:[0-9a-f]{12}$' },
    instance: { type: 'string' },
    description: { type: 'string', minLength: 1 },
    parameters: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'description'],
        properties: { name: { type: 'string', pattern: '^[a-z][a-zA-Z0-9]*$' }, description: { type: 'string' } },
      },
    },
    sources: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'url', 'read'],
        properties: {
          id,
          title: { type: 'string', minLength: 1 },
          url: { type: 'string', pattern: '^https?://' },
          read: date,
          feed: {
            type: 'object',
            additionalProperties: false,
            required: ['format', 'url'],
            properties: {
              format: { enum: ['microsoft-endpoints', 'zoom-ranges', 'webex-csv'] },
              url: { type: 'string', pattern: '^https?://' },
              versionUrl: { type: 'string', pattern: '^https?://' },
            },
          },
        },
      },
    },
    endpoints: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'hosts', 'category', 'role', 'required', ...tracedRequired],
        properties: {
          id,
          description: { type: 'string' },
          hosts: { type: 'array', minItems: 1, items: { type: 'string', pattern: hostPattern, maxLength: 253 } },
          probeHost: { type: 'string', pattern: '^([A-Za-z0-9{}_-]+\\.)*[A-Za-z0-9{}_-]+$', maxLength: 253 },
          tcp: ports,
          udp: ports,
          websocket: { type: 'string', pattern: '^wss?://' },
          path: { type: 'string', pattern: '^/' },
          category,
          role,
          required: { type: 'boolean' },
          ...traced,
        },
      },
    },
    ranges: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'category', 'role', ...tracedRequired],
        anyOf: [{ required: ['ipv4'] }, { required: ['ipv6'] }],
        properties: { id, description: { type: 'string' }, category, role, ipv4: cidrs, ipv6: cidrs, ...traced },
      },
    },
    relays: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'host', 'transports', ...tracedRequired],
        properties: {
          id,
          description: { type: 'string' },
          host: { type: 'string', pattern: '^([A-Za-z0-9{}_-]+\\.)*[A-Za-z0-9{}_-]+$' },
          transports: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['protocol', 'port'],
              properties: { protocol: { enum: ['udp', 'tcp', 'tls'] }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
            },
          },
          ...traced,
        },
      },
    },
    targets: {
      type: 'object',
      additionalProperties: false,
      required: ['scope', ...tracedRequired],
      properties: {
        scope: { type: 'string', minLength: 1 },
        rttMs: { type: 'number', exclusiveMinimum: 0 },
        jitterMs: { type: 'number', exclusiveMinimum: 0 },
        lossPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        burstLossPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        reorderPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        ...traced,
      },
    },
    bandwidth: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['stream', ...tracedRequired],
        properties: {
          stream: { enum: ['audio', 'video', 'screen-share', 'video-meeting', 'screen-share-meeting'] },
          minKbps: { type: 'number', exclusiveMinimum: 0 },
          recommendedKbps: { type: 'number', exclusiveMinimum: 0 },
          bestKbps: { type: 'number', exclusiveMinimum: 0 },
          ...traced,
        },
      },
    },
    qos: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['media', 'dscp', ...tracedRequired],
        properties: {
          media: { enum: ['audio', 'video', 'screen-share'] },
          dscp: { type: 'integer', minimum: 0, maximum: 63 },
          phb: { type: 'string' },
          udpPorts: { type: 'string', pattern: '^\\d{1,5}-\\d{1,5}$' },
          ...traced,
        },
      },
    },
  },
} as const;
