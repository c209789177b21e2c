// NAT behaviour discovery over UDP (RFC 5780 §4.3 mapping, §4.4 filtering), with the terms of
// RFC 4787: how the NAT picks the public address and port of a flow (mapping), and which
// packets from outside it lets back in to that address and port (filtering).
//
// Both need a server with two IP addresses and two ports, which it announces in OTHER-ADDRESS.
// Mapping: Binding requests from one socket to the primary address, to the alternate IP (primary
// port) and to the alternate IP and port; the reflexive addresses they report are compared.
// Filtering: Binding requests to the primary address that ask the server (CHANGE-REQUEST) to
// answer from the alternate IP and port, or from the alternate port only; an answer that never
// arrives was filtered.
//
// The filtering tests are "sensitive to prior state on the NAT" (RFC 5780 §4.4): a NAT lets in
// whatever it has seen its inside host send to. Had the mapping tests run first on the same
// socket, an endpoint-independent mapping would already have sent to the alternate IP, and an
// address-dependent filter would let the "change IP and port" answer in: endpoint-independent
// filtering, wrongly. So each filtering request goes out on a fresh socket that has sent to
// nothing but the primary address, and before the mapping tests, since some NATs and firewalls
// keep what the host contacted per host rather than per mapping.

import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { StunClientError, StunConnection, bindingRequest, type BindingResult, type Endpoint } from './stun-client.js';
import { sameAddress, type ChangeRequest, type TransportAddress } from './stun.js';

export type NatBehaviourKind = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/**
 * What limited the discovery, as codes a report words in its reader's language:
 * `no-other-address` — the server returns no OTHER-ADDRESS, so it does not support RFC 5780;
 * `change-request-ignored` — it ignores CHANGE-REQUEST (or refuses it), so filtering cannot be tested;
 * `same-ip-alternate` — OTHER-ADDRESS has the server's own IP, so only port dependence can be tested;
 * `no-nat` — the reflexive address is the local one: nothing translates between here and the server.
 */
export type NatNote = 'no-other-address' | 'change-request-ignored' | 'same-ip-alternate' | 'no-nat';

export interface NatBehaviour {
  /** The server returned OTHER-ADDRESS, i.e. it supports RFC 5780. */
  supported: boolean;
  local: TransportAddress;
  mapped: TransportAddress;
  /** The reflexive address differs from the local one: a NAT is in the way. */
  natted: boolean;
  otherAddress?: TransportAddress;
  mapping?: NatBehaviourKind | 'unknown';
  filtering?: NatBehaviourKind | 'not-supported' | 'unknown';
  notes: NatNote[];
  /** Why the mapping tests failed (mapping `unknown`). */
  mappingError?: string;
  /** Why the filtering tests failed (filtering `unknown`). */
  filteringError?: string;
}

export interface NatDiscoveryOptions {
  /** Deadline of each Binding transaction; for the filtering tests, silence this long is the answer. */
  timeoutMs: number;
  signal?: AbortSignal;
  rtoMs?: number;
}

type FilteringAnswer = 'answered' | 'silent' | 'unsupported';

/** The local address the kernel would use to reach `server` (a connected UDP socket tells). */
async function localAddressFor(server: Endpoint): Promise<string | undefined> {
  const sock = createSocket({ type: isIPv6(server.address) ? 'udp6' : 'udp4' });
  try {
    return await new Promise<string | undefined>((resolve) => {
      sock.on('error', () => resolve(undefined));
      sock.connect(server.port, server.address, () => resolve(sock.address().address));
    });
  } finally {
    try {
      sock.close();
    } catch {
      // closed
    }
  }
}

export async function discoverNatBehaviour(server: Endpoint, opts: NatDiscoveryOptions): Promise<NatBehaviour> {
  const localIp = await localAddressFor(server);
  // Unconnected: one socket talks to the server's primary and alternate addresses.
  const openSocket = () =>
    StunConnection.open({
      transport: 'udp',
      ...server,
      connected: false,
      ...(localIp ? { localAddress: localIp } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  const binding = (conn: StunConnection, to: Endpoint, changeRequest?: ChangeRequest): Promise<BindingResult> =>
    bindingRequest(conn, {
      timeoutMs: opts.timeoutMs,
      to,
      ...(opts.rtoMs ? { rtoMs: opts.rtoMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(changeRequest ? { changeRequest } : {}),
    });

  const conn = await openSocket();
  const notes: NatNote[] = [];
  try {
    // Test I: the primary address. It tells whether there is a NAT at all, and the alternate address.
    const first = await binding(conn, server);
    const local = conn.localAddress()!;
    if (!first.mapped)
      throw new StunClientError('server-error', 'application', 'the Binding response has no (XOR-)MAPPED-ADDRESS', {
        code: 'NO_MAPPED_ADDRESS',
      });
    const natted = !sameAddress(first.mapped, local);
    const base: NatBehaviour = { supported: false, local, mapped: first.mapped, natted, notes };
    if (!first.otherAddress) {
      notes.push('no-other-address');
      return base;
    }
    const result: NatBehaviour = { ...base, supported: true, otherAddress: first.otherAddress };

    // Filtering runs even without a NAT: a stateful firewall filters too.
    try {
      result.filtering = await discoverFiltering(server, openSocket, binding, opts.signal);
      if (result.filtering === 'not-supported') notes.push('change-request-ignored');
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      result.filtering = 'unknown';
      result.filteringError = (err as Error).message;
    }

    if (!natted) {
      result.mapping = 'endpoint-independent';
      notes.push('no-nat');
      return result;
    }
    try {
      result.mapping = await discoverMapping(conn, server, first.otherAddress, first.mapped, binding, notes);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      result.mapping = 'unknown';
      result.mappingError = (err as Error).message;
    }
    return result;
  } finally {
    conn.close();
  }
}

/**
 * §4.3 tests II and III, on the socket test I used. Test II (alternate IP, primary port) tells
 * endpoint-independent mapping from the rest; test III (alternate IP and port) tells
 * address-dependent (same mapping as test II: only the IP mattered) from address-and-port-dependent.
 */
async function discoverMapping(
  conn: StunConnection,
  server: Endpoint,
  other: TransportAddress,
  firstMapped: TransportAddress,
  binding: (conn: StunConnection, to: Endpoint) => Promise<BindingResult>,
  notes: NatNote[],
): Promise<NatBehaviourKind> {
  const sameIp = other.address === server.address;
  if (sameIp) {
    // Only the port can differ, so address dependence cannot be told from independence.
    notes.push('same-ip-alternate');
    const third = await binding(conn, { address: other.address, port: other.port });
    return sameAddress(third.mapped, firstMapped) ? 'endpoint-independent' : 'address-and-port-dependent';
  }
  const second = await binding(conn, { address: other.address, port: server.port });
  if (sameAddress(second.mapped, firstMapped)) return 'endpoint-independent';
  const third = await binding(conn, { address: other.address, port: other.port });
  return sameAddress(third.mapped, second.mapped) ? 'address-dependent' : 'address-and-port-dependent';
}

/**
 * §4.4 tests II ("change IP and port") and III ("change port"), each on a fresh socket, both at
 * once: an answer to II means nothing is filtered (endpoint-independent); else an answer to III
 * means only the address is checked (address-dependent); silence to both, address and port.
 */
async function discoverFiltering(
  server: Endpoint,
  openSocket: () => Promise<StunConnection>,
  binding: (conn: StunConnection, to: Endpoint, changeRequest?: ChangeRequest) => Promise<BindingResult>,
  signal: AbortSignal | undefined,
): Promise<NatBehaviourKind | 'not-supported'> {
  const probe = async (change: ChangeRequest): Promise<FilteringAnswer> => {
    const conn = await openSocket();
    try {
      const r = await binding(conn, server, change);
      // A server that ignores CHANGE-REQUEST answers from where we sent: that proves nothing.
      return r.from.address === server.address && r.from.port === server.port ? 'unsupported' : 'answered';
    } catch (err) {
      if (signal?.aborted) throw err;
      if (err instanceof StunClientError && err.stun) return 'unsupported'; // e.g. 420 Unknown Attribute
      if (err instanceof StunClientError && err.classification === 'filtered') return 'silent';
      throw err;
    } finally {
      conn.close();
    }
  };
  // allSettled: neither socket outlives this function, whatever the other one does.
  const [ipAndPort, portOnly] = await Promise.allSettled([
    probe({ changeIp: true, changePort: true }),
    probe({ changeIp: false, changePort: true }),
  ]);
  if (ipAndPort.status === 'rejected') throw ipAndPort.reason;
  if (ipAndPort.value === 'answered') return 'endpoint-independent';
  if (ipAndPort.value === 'unsupported') return 'not-supported';
  if (portOnly.status === 'rejected') throw portOnly.reason;
  if (portOnly.value === 'answered') return 'address-dependent';
  if (portOnly.value === 'unsupported') return 'not-supported';
  return 'address-and-port-dependent';
}
