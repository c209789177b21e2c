// The storage check as planning sees it: what it is, its options, which storage endpoints it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning } from '../../src/plugin-api.js';
import { integrationTargets } from '../../src/integration/targets.js';

export interface Options {
  connectTimeoutMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'storage',
    title: 'File storage is reachable, encrypted and answers as configured',
    failureTitle: 'File storage is unreachable, unencrypted or not what it claims',
    description:
      'For every endpoint with role `storage` (or `files` with a `storage:` section). **SMB** (protocol `smb`, port 445): ' +
      'TCP along the route, then an SMB2 NEGOTIATE (no session, no credentials): the dialect and whether signing is ' +
      'required; SMB1-only or not SMB is a finding. **HTTP(S)** (WebDAV, S3-compatible): one GET and one OPTIONS without ' +
      'credentials; an S3 service is recognised by its XML error document (`<Error><Code>AccessDenied</Code>`) or ' +
      '`x-amz-request-id` / `Server` header, WebDAV by the `DAV` header (RFC 4918 §10.1). A bucket listing served ' +
      'anonymously and plain `http://` are findings. Every result publishes `facts.addresses` (what the host resolves ' +
      'to) for data-residency rules.',
    category: 'integration',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 4918 — HTTP Extensions for WebDAV', clause: '§9.1 (PROPFIND), §10.1 (DAV header)' },
      { title: 'Amazon S3 API Reference — Error responses', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html' },
      { title: '[MS-SMB2] Server Message Block Protocol Versions 2 and 3', clause: '§2.2.3 / §2.2.4 (NEGOTIATE)' },
      {
        title: 'Microsoft: SMBv1 is not installed by default in Windows 10 1709 and Windows Server 2019 and later',
        url: 'https://learn.microsoft.com/windows-server/storage/file-server/troubleshoot/smbv1-not-installed-by-default-in-windows',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000 },
  },
  targets(site) {
    return integrationTargets(
      site,
      (ep) =>
        (ep.role === 'storage' || (ep.role === 'files' && ep.extra.storage !== undefined)) &&
        ['http', 'https', 'smb', 'tcp', 'tls'].includes(ep.protocol),
    );
  },
});
