#!/usr/bin/env node
// A throughput client in its own process, for bench/throughput.mjs's memory measurement: it runs
// one runThroughput() (which starts its worker thread inside this process) and prints one JSON
// line with the result and this process's own peak RSS (VmHWM) and current RSS, in KiB.
//
// Usage: SITEREADY_TOKEN=... node bench/throughput-client.mjs '<ThroughputParams JSON without the token>'
// Needs a built CLI (`npx tsc -p .`). Exits 1 (message on stderr) if the test fails.

import { readFileSync } from 'node:fs';

function status() {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { vmHWMKiB: kib('VmHWM'), vmRSSKiB: kib('VmRSS') };
}

try {
  const params = JSON.parse(process.argv[2] ?? '');
  params.endpoint.token = process.env.SITEREADY_TOKEN;
  const { runThroughput } = await import(new URL('../dist/src/probe/run-throughput.js', import.meta.url));
  const before = status();
  const result = await runThroughput(params);
  process.stdout.write(`${JSON.stringify({ result, before, after: status() })}\n`);
} catch (err) {
  process.stderr.write(`throughput-client: ${err?.message ?? String(err)}\n`);
  process.exitCode = 1;
}
