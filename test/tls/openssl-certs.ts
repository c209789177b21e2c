// Certificates the lab's own cert.ts cannot make (it makes ECDSA P-256 / SHA-256 only): RSA,
// P-384, Ed25519, Ed448, SM2 and DSA keys, SHA-1 / MD5 / RSASSA-PSS signatures, self-signed
// server certificates, made with the openssl command line into a test's temp dir.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../helpers/netns.js';

export type KeyKind = 'rsa2048' | 'rsa1024' | 'p256' | 'p384' | 'ed25519' | 'ed448' | 'sm2' | 'dsa';

export interface CertFiles {
  cert: string;
  key: string;
  certPem: string;
}

export interface MakeCertOptions {
  dir: string;
  /** File name stem: <name>.crt, <name>.key. */
  name: string;
  key: KeyKind;
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Signer; absent for a self-signed certificate. */
  issuer?: { cert: string; key: string };
  /** sha1, sha256, sha384, md5, sm3 …; absent: openssl's default for the key (none for EdDSA). */
  digest?: string;
  /** -sigopt values, e.g. rsa_padding_mode:pss. */
  sigopts?: string[];
  isCa?: boolean;
  days?: number;
}

const KEYGEN: Record<KeyKind, string[]> = {
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  p256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  p384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
  ed25519: ['-algorithm', 'ED25519'],
  ed448: ['-algorithm', 'ED448'],
  sm2: ['-algorithm', 'SM2'],
  dsa: [],
};

export async function makeKey(dir: string, name: string, kind: KeyKind): Promise<string> {
  const key = join(dir, `${name}.key`);
  if (kind === 'dsa') {
    const params = join(dir, `${name}.dsaparam`);
    await runOk('openssl', ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', params]);
    await runOk('openssl', ['genpkey', '-paramfile', params, '-out', key]);
  } else {
    await runOk('openssl', ['genpkey', ...KEYGEN[kind], '-out', key]);
  }
  return key;
}

/** A certificate (leaf or CA, self-signed or issued) made by `openssl req` / `openssl x509`. */
export async function makeCert(o: MakeCertOptions): Promise<CertFiles> {
  const key = await makeKey(o.dir, o.name, o.key);
  const cert = join(o.dir, `${o.name}.crt`);
  const cfg = join(o.dir, `${o.name}.cnf`);
  const san = [...(o.dnsNames ?? []).map((d) => `DNS:${d}`), ...(o.ipAddresses ?? []).map((i) => `IP:${i}`)];
  await writeFile(
    cfg,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${o.commonName}`,
      '[ext]',
      ...(o.isCa
        ? ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign']
        : [
            'basicConstraints = critical, CA:FALSE',
            'keyUsage = critical, digitalSignature, keyEncipherment',
            'extendedKeyUsage = serverAuth',
          ]),
      'subjectKeyIdentifier = hash',
      ...(san.length ? [`subjectAltName = ${san.join(', ')}`] : []),
      '',
    ].join('\n'),
  );
  const digest = o.digest ? [`-${o.digest}`] : [];
  const sigopts = (o.sigopts ?? []).flatMap((s) => ['-sigopt', s]);
  const days = ['-days', String(o.days ?? 30)];
  if (!o.issuer) {
    await runOk('openssl', [
      'req',
      '-x509',
      '-new',
      '-config',
      cfg,
      '-extensions',
      'ext',
      '-key',
      key,
      '-out',
      cert,
      ...days,
      ...digest,
      ...sigopts,
    ]);
  } else {
    const csr = join(o.dir, `${o.name}.csr`);
    await runOk('openssl', ['req', '-new', '-config', cfg, '-key', key, '-out', csr]);
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      o.issuer.cert,
      '-CAkey',
      o.issuer.key,
      '-set_serial',
      `0x${randomBytes(12).toString('hex').replace(/^./, '4')}`,
      '-extfile',
      cfg,
      '-extensions',
      'ext',
      '-out',
      cert,
      ...days,
      ...digest,
      ...sigopts,
    ]);
  }
  return { cert, key, certPem: await readFile(cert, 'utf8') };
}

/** Writes a PEM pair (from src/lab/cert.ts) to <name>.crt / <name>.key. */
export async function writePair(dir: string, name: string, pair: { certPem: string; keyPem: string }): Promise<CertFiles> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await writeFile(cert, pair.certPem);
  await writeFile(key, pair.keyPem, { mode: 0o600 });
  return { cert, key, certPem: pair.certPem };
}

export async function concatFiles(out: string, files: string[]): Promise<string> {
  const parts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  await writeFile(out, parts.join(''));
  return out;
}

/**
 * A DER OCSP response for `leaf`, signed by its issuer, with the status an index file gives it
 * (`openssl ocsp` acting as the responder for one request).
 */
export async function makeOcspResponse(o: {
  dir: string;
  name: string;
  leaf: string;
  issuer: { cert: string; key: string };
  revoked?: boolean;
}): Promise<string> {
  const serial = (await runOk('openssl', ['x509', '-in', o.leaf, '-noout', '-serial'])).stdout.trim().replace(/^serial=/, '');
  const subject = (await runOk('openssl', ['x509', '-in', o.leaf, '-noout', '-subject', '-nameopt', 'compat'])).stdout
    .trim()
    .replace(/^subject=\s*/, '');
  const index = join(o.dir, `${o.name}.index`);
  const expiry = '301231235959Z';
  // ca(1) index format: status, expiry, revocation date, serial, file name, subject.
  const line = o.revoked
    ? ['R', expiry, '240101000000Z,keyCompromise', serial, 'unknown', subject]
    : ['V', expiry, '', serial, 'unknown', subject];
  await writeFile(index, `${line.join('\t')}\n`);
  const request = join(o.dir, `${o.name}.ocspreq`);
  const response = join(o.dir, `${o.name}.ocsp`);
  await runOk('openssl', ['ocsp', '-issuer', o.issuer.cert, '-cert', o.leaf, '-reqout', request, '-no_nonce']);
  await runOk('openssl', [
    'ocsp',
    '-index',
    index,
    '-rsigner',
    o.issuer.cert,
    '-rkey',
    o.issuer.key,
    '-CA',
    o.issuer.cert,
    '-reqin',
    request,
    '-respout',
    response,
    '-ndays',
    '7',
  ]);
  return response;
}
