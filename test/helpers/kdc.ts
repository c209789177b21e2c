// A throwaway MIT Kerberos realm for integration tests: krb5kdc in the foreground on a free
// loopback port, its database, stash and logs in a temp dir, its own kdc.conf and krb5.conf
// (KRB5_KDC_PROFILE, KRB5_CONFIG: nothing is read from /etc), principals made with kadmin.local,
// keytabs, and tickets from kinit in credential caches of the test's own.
//
// Name lookups are off (dns_canonicalize_hostname, rdns, DNS for realms and KDCs): a service
// principal is exactly the name the client was given, and no query leaves the host.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freeDualPort, hasTool, startProcess, waitForTcp, withRetries } from './peers.js';

/** Every program a realm needs: krb5-kdc, krb5-admin-server, krb5-user. */
export const KDC_TOOLS = ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit'];

export function kdcToolsMissing(): string[] {
  return KDC_TOOLS.filter((t) => !hasTool(t));
}

/** A realm name no other test (or real realm) uses: SR<hex>.TEST. */
export function uniqueRealm(): string {
  return `SR${randomBytes(4).toString('hex').toUpperCase()}.TEST`;
}

export interface Kdc {
  realm: string;
  port: number;
  dir: string;
  /** The client configuration: what siteready, kinit and a proxy's helper need to find this realm. */
  krb5Conf: string;
  /** A user principal (user@REALM) with this password. */
  addUser(name: string, password: string): Promise<string>;
  /** A service principal (HTTP/host@REALM) with a random key. */
  addService(name: string): Promise<string>;
  /** Writes the principal's current keys to a keytab file. */
  exportKeytab(principal: string, file: string): Promise<void>;
  /** A ticket-granting ticket for the principal in `ccache` (FILE:…), the password given on stdin. */
  kinit(principal: string, password: string, ccache: string): Promise<void>;
  /** What the KDC logged (requests, unknown principals). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface KdcOptions {
  /** A directory of the test's own; the realm lives in <dir>/kdc-<realm>. */
  dir: string;
  realm?: string;
  /** DNS domains whose hosts belong to this realm ([domain_realm]). */
  domains?: string[];
}

export async function startKdc(opts: KdcOptions): Promise<Kdc> {
  const realm = opts.realm ?? uniqueRealm();
  const dir = join(opts.dir, `kdc-${realm}`);
  await mkdir(dir, { recursive: true });
  const kdcConf = join(dir, 'kdc.conf');
  const krb5Conf = join(dir, 'krb5.conf');
  const logFile = join(dir, 'kdc.log');
  const env = { ...process.env, KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: kdcConf };
  const writeConfigs = async (port: number) => {
    await writeFile(
      kdcConf,
      [
        '[kdcdefaults]',
        ` kdc_listen = 127.0.0.1:${port}`,
        ` kdc_tcp_listen = 127.0.0.1:${port}`,
        '[realms]',
        ` ${realm} = {`,
        `  database_name = ${dir}/principal`,
        `  key_stash_file = ${dir}/stash`,
        `  acl_file = ${dir}/kadm5.acl`,
        `  kdc_listen = 127.0.0.1:${port}`,
        `  kdc_tcp_listen = 127.0.0.1:${port}`,
        '  max_life = 1h',
        '  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal',
        ' }',
        '[logging]',
        // stderr too: a port lost to another process ("Address already in use") must be seen.
        ` kdc = FILE:${logFile}`,
        ' kdc = STDERR',
        ` admin_server = FILE:${dir}/kadmin.log`,
        ` default = FILE:${dir}/krb5lib.log`,
        '',
      ].join('\n'),
    );
    const domains = opts.domains ?? [];
    await writeFile(
      krb5Conf,
      [
        '[libdefaults]',
        ` default_realm = ${realm}`,
        ' dns_lookup_kdc = false',
        ' dns_lookup_realm = false',
        ' dns_uri_lookup = false',
        ' dns_canonicalize_hostname = false',
        ' rdns = false',
        // Never the user's own cache or keytab: a test names the ones it means (KRB5CCNAME).
        ` default_ccache_name = FILE:${dir}/no-default-ccache`,
        ` default_keytab_name = FILE:${dir}/no-default-keytab`,
        '[realms]',
        ` ${realm} = {`,
        `  kdc = 127.0.0.1:${port}`,
        ' }',
        '[domain_realm]',
        ...domains.flatMap((d) => [` .${d} = ${realm}`, ` ${d} = ${realm}`]),
        '',
      ].join('\n'),
    );
  };

  // The database first (it does not depend on the port), then the KDC on a port that is free.
  await writeConfigs(0);
  await writeFile(join(dir, 'kadm5.acl'), '');
  await run('kdb5_util', ['-r', realm, 'create', '-s', '-P', randomBytes(16).toString('hex')], { env });

  const admin = async (command: string, expect: RegExp) => {
    // Commands on stdin: a password in them never shows in a process list.
    const out = await run('kadmin.local', ['-r', realm], { env, input: `${command}\n` });
    if (!expect.test(out)) throw new Error(`kadmin.local: ${command.replace(/-pw \S+/, '-pw ***')} failed:\n${out}`);
  };

  const { peer, port } = await withRetries(5, async () => {
    const port = await freeDualPort();
    await writeConfigs(port);
    const peer = await startProcess(
      'env',
      [`KRB5_CONFIG=${krb5Conf}`, `KRB5_KDC_PROFILE=${kdcConf}`, 'krb5kdc', '-n', '-r', realm, '-P', join(dir, 'kdc.pid')],
      {
        name: 'krb5kdc',
        ready: () =>
          waitForTcp('127.0.0.1', port, 200).then(
            () => true,
            () => false,
          ),
      },
    );
    return { peer, port };
  });

  return {
    realm,
    port,
    dir,
    krb5Conf,
    async addUser(name, password) {
      const principal = `${name}@${realm}`;
      await admin(`addprinc -pw ${password} ${principal}`, /created/);
      return principal;
    },
    async addService(name) {
      const principal = `${name}@${realm}`;
      await admin(`addprinc -randkey ${principal}`, /created/);
      return principal;
    },
    async exportKeytab(principal, file) {
      await admin(`ktadd -k ${file} -norandkey ${principal}`, /added to keytab/);
    },
    async kinit(principal, password, ccache) {
      await run('kinit', [principal], { env: { ...env, KRB5CCNAME: ccache }, input: `${password}\n` });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop: () => peer.stop(),
  };
}

/** Runs a command to completion; rejects with its output when it exits non-zero. */
function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args[0] ?? ''} exited ${code}:\n${out}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}
