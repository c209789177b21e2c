// Gathers what a parser accepts: duplicates dropped (Microsoft lists one block under several
// entries), counts capped, and an error when nothing at all was usable.

import { FeedError } from './errors.js';
import { MAX_HOSTS, MAX_RANGES, ProblemLog, type FeedHost, type FeedRange, type ParsedFeed } from './snapshot.js';
import { normalizeCidr } from './cidr.js';
import { normalizeHostName } from './host-name.js';

export class FeedCollector {
  readonly problems = new ProblemLog();
  private readonly ranges = new Map<string, FeedRange>();
  private readonly hosts = new Map<string, FeedHost>();

  /** Adds one CIDR text with its labels; a bad one becomes a problem. Returns whether it was kept. */
  addRange(text: string, at: string, labels: Omit<FeedRange, 'cidr'> = {}): boolean {
    const block = normalizeCidr(text.trim());
    if (!block) {
      this.problems.add(at, `"${text.slice(0, 80)}" is not a CIDR block`);
      return false;
    }
    if (block.hostBitsSet) this.problems.add(at, `"${text.slice(0, 80)}" has host bits set; read as ${block.cidr}`, 'normalised');
    const range: FeedRange = { cidr: block.cidr, ...defined(labels) };
    const key = JSON.stringify([range.cidr, range.category, range.role, range.service]);
    if (this.ranges.has(key)) return true;
    if (this.ranges.size >= MAX_RANGES)
      throw new FeedError('too-many', `the feed lists more than ${MAX_RANGES} ranges`, { limit: MAX_RANGES });
    this.ranges.set(key, range);
    return true;
  }

  /** Adds one host name with its labels; a bad one becomes a problem. */
  addHost(text: string, at: string, labels: Omit<FeedHost, 'host'> = {}): boolean {
    const name = normalizeHostName(text);
    if (typeof name === 'string') {
      this.problems.add(at, name);
      return false;
    }
    const host: FeedHost = { host: name.host, ...defined(labels) };
    const key = JSON.stringify([host.host, host.category, host.role, host.service, host.tcp, host.udp, host.required]);
    if (this.hosts.has(key)) return true;
    if (this.hosts.size >= MAX_HOSTS) throw new FeedError('too-many', `the feed lists more than ${MAX_HOSTS} hosts`, { limit: MAX_HOSTS });
    this.hosts.set(key, host);
    return true;
  }

  /** The parsed feed; a FeedError ("empty") when nothing was usable, with the problems that explain why. */
  finish(what: string): ParsedFeed {
    if (this.ranges.size === 0 && this.hosts.size === 0) {
      const why = this.problems.count > 0 ? `: ${this.problems.count} entries rejected, first: ${this.problems.samples[0]!.reason}` : '';
      throw new FeedError('empty', `no usable ${what} in the feed${why}`, {
        problems: this.problems.samples,
        problemCount: this.problems.count,
      });
    }
    return {
      ranges: [...this.ranges.values()],
      hosts: [...this.hosts.values()],
      problemCount: this.problems.count,
      problems: this.problems.samples,
    };
  }
}

/** The object without its undefined fields, so snapshots compare and serialise the same. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
