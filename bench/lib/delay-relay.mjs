#!/usr/bin/env node
// A TCP relay that makes a loopback server look one WAN round trip away: every chunk, and every
// half-close, goes through RTT/2 late in each direction, in order. `tc netem` does not work on
// the benchmark machine's kernel, so the delay lives here, in userspace.
//
// The kernel completes the client's TCP handshake at once, so the connect's own round trip is
// modelled on the data instead: a byte the client sends at t reaches the server at
// max(t, accepted + RTT) + RTT/2 — when it would have arrived had the client waited for a real
// SYN-ACK. A client that connects early (before it knows what to send) gains the connect's round
// trip, as it would on a real path; one that connects and sends at once pays two round trips.
//
// Runs as its own process, so a benchmark that blocks on spawnSync does not stall it.
// Usage: node bench/lib/delay-relay.mjs --target 127.0.0.1:PORT --rtt MS [--listen PORT]
// Prints the port it listens on (one line) once it accepts connections.

import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { target: { type: 'string' }, rtt: { type: 'string' }, listen: { type: 'string' } } });
const [host, portText] = String(values.target ?? '').split(/:(?=\d+$)/);
const targetPort = Number(portText);
const rtt = Number(values.rtt);
if (!host || !Number.isInteger(targetPort) || !Number.isFinite(rtt) || rtt < 0) {
  process.stderr.write('usage: node bench/lib/delay-relay.mjs --target HOST:PORT --rtt MS [--listen PORT]\n');
  process.exit(2);
}
const half = rtt / 2;

/** One direction: items leave in arrival order, each no earlier than its own due time. */
function lane(deliver) {
  const queue = [];
  let timer;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].due <= now) deliver(queue.shift().item);
    if (queue.length) timer = setTimeout(pump, Math.max(0, queue[0].due - now));
  };
  return (item, due) => {
    const last = queue.length ? queue[queue.length - 1].due : 0;
    queue.push({ item, due: Math.max(due, last) });
    if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].due - performance.now()));
  };
}

const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const accepted = performance.now();
  const upstream = connect({ host, port: targetPort, allowHalfOpen: true, noDelay: true });
  const toServer = lane((x) => (x === 'end' ? upstream.end() : x === 'destroy' ? upstream.destroy() : upstream.write(x)));
  const toClient = lane((x) => (x === 'end' ? client.end() : x === 'destroy' ? client.destroy() : client.write(x)));
  const upDue = () => Math.max(performance.now(), accepted + rtt) + half;
  const downDue = () => performance.now() + half;
  client.on('data', (d) => toServer(d, upDue()));
  client.on('end', () => toServer('end', upDue()));
  client.on('error', () => toServer('destroy', upDue()));
  upstream.on('data', (d) => toClient(d, downDue()));
  upstream.on('end', () => toClient('end', downDue()));
  upstream.on('error', () => toClient('destroy', downDue()));
  // A side gone without a FIN (reset, destroyed) takes the other down after the delay too.
  client.on('close', (hadError) => hadError || toServer('end', upDue()));
  upstream.on('close', (hadError) => hadError || toClient('end', downDue()));
});
server.listen(Number(values.listen ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
