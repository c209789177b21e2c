// Negotiate (SPNEGO, RFC 4559) answers to a proxy's 407, made from the Kerberos ticket the user
// running siteready already has: the default credential cache, or the one KRB5CCNAME names. No
// password is asked for or read; without a usable ticket there is no answer, and the error says why
// (no ticket, no service principal for the proxy's name, KDC out of reach, module missing).
//
// The `kerberos` addon is an optional dependency built against the system's GSS-API library, so it
// may be absent: it is loaded on the first Negotiate challenge only, and its absence is a finding.

/** Why no Negotiate token could be made. */
export type KerberosFailure = 'module-unavailable' | 'no-ticket' | 'spn-unknown' | 'kdc-unreachable' | 'failed';

export class KerberosError extends Error {
  constructor(
    readonly kind: KerberosFailure,
    /** The proxy's service principal as people write it: HTTP/proxy.corp.example. */
    readonly spn: string,
    message: string,
    /** The principal the KDC said it does not know (HTTP/… or a cross-realm krbtgt/…). */
    readonly unknownPrincipal?: string,
  ) {
    super(message);
    this.name = 'KerberosError';
  }
}

// The part of the addon's API used here: typed locally, so the build never needs the optional package.
interface GssClient {
  step(challenge: string): Promise<string>;
}
interface KerberosModule {
  initializeClient(service: string, options?: { mechOID?: number }): Promise<GssClient>;
  GSS_MECH_OID_SPNEGO: number;
  GSS_MECH_OID_KRB5: number;
}

let loading: Promise<KerberosModule> | undefined;

function loadKerberos(): Promise<KerberosModule> {
  // A specifier in a variable: TypeScript does not resolve it, so a machine where the addon could
  // not be built still compiles and runs. A failed load is remembered: it will not succeed later.
  const specifier = 'kerberos';
  loading ??= import(specifier).then((m: { default?: KerberosModule } & KerberosModule) => m.default ?? m);
  return loading;
}

/** `HTTP/host`, the service principal a Negotiate proxy at `host` must have. */
export function proxySpn(host: string): string {
  return `HTTP/${host}`;
}

/**
 * `Negotiate <token>` for the proxy at `host` (the name as written in the proxy URL: Kerberos finds
 * the service principal by it). A fresh token every time: Kerberos acceptors keep a replay cache.
 * Rejects with a KerberosError, or with the signal's reason when aborted.
 */
export async function negotiateAuthorization(host: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  const spn = proxySpn(host);
  let krb: KerberosModule;
  try {
    krb = await loadKerberos();
  } catch (err) {
    throw new KerberosError('module-unavailable', spn, firstLine(err));
  }
  const service = `HTTP@${host}`;
  try {
    const token = await within(
      opts,
      async () => {
        const client = await krb.initializeClient(service, { mechOID: krb.GSS_MECH_OID_SPNEGO });
        return client.step('');
      },
      () => new KerberosError('kdc-unreachable', spn, `no answer from Kerberos within ${opts.timeoutMs} ms`),
    );
    if (!token) throw new KerberosError('failed', spn, 'the Kerberos library produced no token');
    return `Negotiate ${token}`;
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (err instanceof KerberosError) throw err;
    throw await explain(krb, service, spn, gssMessage(err), opts);
  }
}

/** Classifies a GSS-API failure by the text MIT and Heimdal give it (the addon has no codes). */
async function explain(
  krb: KerberosModule,
  service: string,
  spn: string,
  message: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<KerberosError> {
  const unknown = /Server (\S+) not found in Kerberos database/i.exec(message);
  if (unknown || /not found in Kerberos database|S_PRINCIPAL_UNKNOWN/i.test(message))
    return new KerberosError('spn-unknown', spn, message, unknown?.[1]);
  if (/Cannot contact any KDC|Cannot find KDC|Cannot resolve network address for KDC|KDC.*unreachable/i.test(message))
    return new KerberosError('kdc-unreachable', spn, message);
  if (/no credentials|credentials cache|ccache|Ticket expired|cannot find mechanisms|no Kerberos credentials/i.test(message)) {
    // SPNEGO hides the Kerberos mechanism's own reason, which names the cache it looked in.
    return new KerberosError('no-ticket', spn, (await krb5Reason(krb, service, opts)) ?? message);
  }
  return new KerberosError('failed', spn, message);
}

async function krb5Reason(
  krb: KerberosModule,
  service: string,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<string | undefined> {
  const timedOut = new Error('timed out');
  try {
    await within(
      { ...opts, timeoutMs: Math.min(opts.timeoutMs, 2000) },
      async () => (await krb.initializeClient(service, { mechOID: krb.GSS_MECH_OID_KRB5 })).step(''),
      () => timedOut,
    );
    return undefined;
  } catch (err) {
    return err === timedOut || opts.signal?.aborted ? undefined : gssMessage(err);
  }
}

/** The GSS status text without the major status boilerplate that precedes the useful part. */
function gssMessage(err: unknown): string {
  return firstLine(err)
    .replace(/^Unspecified GSS failure\.\s+Minor code may provide more information:\s*/i, '')
    .replace(/^No credentials were supplied, or the credentials were unavailable or inaccessible:\s*/i, '');
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

/**
 * The native call cannot be cancelled; past the budget (a KDC that drops packets) or on abort the
 * caller stops waiting and the call finishes on its own in the background.
 */
function within<T>(opts: { timeoutMs: number; signal?: AbortSignal }, work: () => Promise<T>, timedOut: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(opts.signal!.reason));
    const timer = setTimeout(() => finish(() => reject(timedOut())), opts.timeoutMs);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    work().then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}
