// A veth pair into a network namespace of the bench's own, shaped by tc on both ends: the host
// end shapes what goes into the namespace (uploads to a server there), the namespace end what
// comes back (downloads). Addresses are a /30 of a 10.233.0.0/24 that no interface, namespace or
// route here uses. Root only; teardownLink() removes it all (safe to call twice).

import { spawnSync } from 'node:child_process';

export function sh(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`\`${argv.join(' ')}\` failed: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

/** A /24 in 10.233.0.0/16 that no interface here or in any namespace uses, nor any route. */
function freeSubnet() {
  const seen = `${sh(['ip', '-4', '-o', 'addr'])}\n${sh(['ip', '-4', 'route'])}\n${
    spawnSync('ip', ['-all', 'netns', 'exec', 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' }).stdout
  }`;
  const used = new Set([...seen.matchAll(/10\.233\.(\d+)\./g)].map((m) => Number(m[1])));
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter((k) => !used.has(k));
  if (!free.length) throw new Error('no free /24 in 10.233.0.0/16');
  return free[Math.floor(Math.random() * free.length)];
}

/**
 * Creates the link with `qdisc` (tc arguments after `root`, e.g. ['tbf', 'rate', '20mbit', …]) on
 * both ends. `names.ns` and `names.iface` prefix the namespace (`<ns>-<pid>`) and the interfaces
 * (`<iface><pid>h`, `…n`: within the 15 characters an interface name may have). `into` is filled
 * in as it goes, so a failure half-way can still be torn down.
 */
export function setupLink(names, qdisc, into = {}) {
  const tag = String(process.pid % 1_000_000);
  const link = Object.assign(into, {
    ns: `${names.ns}-${tag}`,
    hostIf: `${names.iface}${tag}h`,
    nsIf: `${names.iface}${tag}n`,
    created: false,
  });
  const k = freeSubnet();
  link.hostAddr = `10.233.${k}.1`;
  link.nsAddr = `10.233.${k}.2`;
  sh(['ip', 'netns', 'add', link.ns]);
  link.created = true;
  sh(['ip', 'link', 'add', link.hostIf, 'type', 'veth', 'peer', 'name', link.nsIf, 'netns', link.ns]);
  sh(['ip', 'addr', 'add', `${link.hostAddr}/30`, 'dev', link.hostIf]);
  sh(['ip', 'link', 'set', link.hostIf, 'up']);
  sh(['ip', '-n', link.ns, 'addr', 'add', `${link.nsAddr}/30`, 'dev', link.nsIf]);
  sh(['ip', '-n', link.ns, 'link', 'set', link.nsIf, 'up']);
  sh(['ip', '-n', link.ns, 'link', 'set', 'lo', 'up']);
  sh(['tc', 'qdisc', 'add', 'dev', link.hostIf, 'root', ...qdisc]);
  sh(['ip', 'netns', 'exec', link.ns, 'tc', 'qdisc', 'add', 'dev', link.nsIf, 'root', ...qdisc]);
  return link;
}

/** Replaces both ends' qdisc parameters. */
export function reshapeLink(link, qdisc) {
  sh(['tc', 'qdisc', 'change', 'dev', link.hostIf, 'root', ...qdisc]);
  sh(['ip', 'netns', 'exec', link.ns, 'tc', 'qdisc', 'change', 'dev', link.nsIf, 'root', ...qdisc]);
}

export function teardownLink(link) {
  if (!link?.created) return;
  spawnSync('ip', ['netns', 'del', link.ns]);
  spawnSync('ip', ['link', 'del', link.hostIf], { stdio: 'ignore' });
  link.created = false;
}
