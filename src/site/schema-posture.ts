// Site-file fields that describe the organisation's security and data posture: what compliance
// profiles reason about besides what checks measure. All optional; a site that declares none of
// them still validates, and a profile rule that needs one says it is not declared.

const cidr = {
  type: 'string',
  pattern: '^[0-9A-Fa-f:.]+(/\\d{1,3})?$',
  description: 'An IPv4 or IPv6 address range in CIDR notation (10.0.0.0/8, 2001:db8::/32).',
} as const;
const country = { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code.' } as const;
const days = { type: 'integer', minimum: 1, maximum: 36500 } as const;

/** network.onPremises / network.regions: where the organisation's data may live, as address ranges. */
export const networkResidencyProperties = {
  onPremises: {
    type: 'array',
    items: cidr,
    description:
      "Address ranges of the organisation's own networks and data centres. Data-residency rules require storage endpoints to resolve inside them (or inside `regions`).",
  },
  regions: {
    type: 'array',
    description: 'Other declared hosting ranges (a domestic cloud region, a colocation site) and the country they are in.',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'cidrs'],
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the range in reports, e.g. "cloud-shanghai".' },
        country,
        provider: { type: 'string', description: 'Who hosts it, e.g. "Alibaba Cloud".' },
        cidrs: { type: 'array', minItems: 1, items: cidr, description: 'Its address ranges (CIDR), e.g. [203.0.113.0/24].' },
      },
    },
  },
} as const;

/** platform.endpoints[].residency */
export const endpointResidencyProperty = {
  residency: {
    type: 'boolean',
    description:
      'Data at rest or leaving the site goes through this endpoint: data-residency rules check where it resolves. Endpoints with role files or storage count without it.',
  },
} as const;

/** security.sso, security.mfa, security.auditLog, security.cryptography */
export const securityPostureProperties = {
  sso: {
    type: 'object',
    additionalProperties: false,
    description: 'Single sign-on for the IM platform.',
    properties: {
      enabled: { type: 'boolean', description: 'Users sign in to the IM platform through SSO.' },
      protocol: {
        type: 'string',
        enum: ['oidc', 'saml', 'ldap', 'kerberos', 'other'],
        description: 'The sign-on protocol: oidc, saml, ldap, kerberos or other.',
      },
      provider: { type: 'string', description: 'The identity provider, e.g. "Azure AD", "Keycloak".' },
      enforced: { type: 'boolean', description: 'Local passwords are disabled for users.' },
    },
  },
  mfa: {
    type: 'object',
    additionalProperties: false,
    description: 'Multi-factor authentication.',
    properties: {
      admins: { type: 'boolean', description: 'Administrators must use a second factor.' },
      users: { type: 'boolean', description: 'All users must use a second factor.' },
      methods: {
        type: 'array',
        items: { type: 'string', enum: ['totp', 'webauthn', 'push', 'sms', 'smartcard', 'certificate', 'other'] },
        description: 'Second factors in use, e.g. [totp, webauthn].',
      },
    },
  },
  auditLog: {
    type: 'object',
    additionalProperties: false,
    description: 'The audit log of the IM platform (logins, administration, message and file access, exports).',
    properties: {
      enabled: { type: 'boolean', description: 'The platform keeps an audit log.' },
      retentionDays: { ...days, description: 'How long audit records are kept, in days.' },
      tamperProtected: {
        type: 'boolean',
        description: 'Records cannot be changed or deleted by administrators (WORM storage, a separate log server, signed logs).',
      },
      exportedTo: { type: 'string', description: 'Where the records go, e.g. the SIEM.' },
    },
  },
  cryptography: {
    type: 'object',
    additionalProperties: false,
    description: 'Cryptography the platform must use.',
    properties: {
      national: {
        type: 'string',
        enum: ['required', 'preferred', 'not-required'],
        description: 'Whether Chinese national cryptography (GM/T: SM2, SM3, SM4 suites) is required on the platform endpoints.',
      },
      encryptionAtRest: { type: 'boolean', description: 'Stored messages and files are encrypted.' },
    },
  },
} as const;

/** data: retention, storage location, backup, transfers. */
export const dataSection = {
  type: 'object',
  additionalProperties: false,
  description: 'Where messages and files are kept, for how long, and how.',
  properties: {
    retention: {
      type: 'object',
      additionalProperties: false,
      description: 'How long messages and files are kept.',
      properties: {
        messagesDays: { ...days, description: 'How long messages are kept, in days.' },
        filesDays: { ...days, description: 'How long shared files are kept, in days.' },
        immutable: {
          type: 'boolean',
          description: 'Retained records are non-rewriteable and non-erasable (WORM) for the retention period.',
        },
        legalHold: { type: 'boolean', description: 'Records under legal hold are kept past their retention period.' },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      description: 'Where messages and files are stored.',
      properties: {
        location: {
          type: 'string',
          enum: ['on-premises', 'in-country', 'cloud'],
          description:
            "on-premises: the organisation's own data centres; in-country: a hosting provider inside `country`; cloud: a public cloud anywhere.",
        },
        country,
        region: { type: 'string', description: 'Provider region, e.g. cn-shanghai, eu-central-1.' },
        provider: { type: 'string', description: 'Hosting provider, e.g. "Alibaba Cloud".' },
      },
    },
    backup: {
      type: 'object',
      additionalProperties: false,
      description: 'Backups of messages and files.',
      properties: {
        enabled: { type: 'boolean', description: 'Messages and files are backed up.' },
        offsite: { type: 'boolean', description: 'Copies are kept at another site.' },
        frequencyHours: { type: 'number', exclusiveMinimum: 0, description: 'Hours between backups, e.g. 24.' },
        lastRestoreTest: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD of the last restore test.' },
      },
    },
    crossBorderTransfer: {
      type: 'object',
      additionalProperties: false,
      description: 'Personal data leaving the jurisdiction, and on what legal basis.',
      properties: {
        occurs: { type: 'boolean', description: 'Personal data is transferred to other countries.' },
        mechanism: {
          description: 'The legal basis of the transfer, e.g. standard-contractual-clauses (none: there is none).',
          type: 'string',
          enum: [
            'none',
            'adequacy',
            'standard-contractual-clauses',
            'binding-corporate-rules',
            'derogation',
            'security-assessment',
            'certification',
          ],
        },
        countries: { type: 'array', items: country, description: 'Countries the data goes to (ISO 3166-1 alpha-2), e.g. [DE, US].' },
      },
    },
  },
} as const;

/** vendor: the IM platform's provider and the agreements with it. */
export const vendorSection = {
  type: 'object',
  additionalProperties: false,
  description: 'The IM platform vendor (or service provider) and the agreements in place.',
  properties: {
    name: { type: 'string', description: 'The vendor or service provider, e.g. "Example Soft".' },
    dpa: { type: 'boolean', description: 'A data processing agreement (GDPR Art. 28) is signed.' },
    baa: { type: 'boolean', description: 'A business associate agreement (HIPAA) is signed.' },
    certifications: { type: 'array', items: { type: 'string' }, description: 'e.g. ISO/IEC 27001, SOC 2 Type II, MLPS level 3.' },
  },
} as const;

/** policy: organisational rules the platform must enforce. */
export const policySection = {
  type: 'object',
  additionalProperties: false,
  description: 'Organisational rules the platform must enforce (read by compliance profiles).',
  properties: {
    externalFileTransfer: {
      type: 'string',
      enum: ['allowed', 'restricted', 'blocked'],
      description: 'Files sent to people outside the organisation: allowed, restricted (approval, DLP, allow-list) or blocked.',
    },
    externalFederation: { type: 'string', enum: ['allowed', 'restricted', 'blocked'], description: 'Chat with other organisations.' },
    supervision: {
      type: 'object',
      additionalProperties: false,
      description: 'Review of business communications (e.g. FINRA Rule 3110).',
      properties: {
        enabled: { type: 'boolean', description: 'Business communications are reviewed.' },
        reviewSampling: { type: 'number', minimum: 0, maximum: 1, description: 'Share of communications reviewed.' },
      },
    },
  },
} as const;
