// undici's Agent with its request API, without the rest of undici. `import('undici')` loads its
// whole index — mocks, caches, interceptors, fetch, WebSocket: 111 files and ~90 ms of CPU on this
// project's CI machines — where the checks need one class. Its package has no `exports` map, so
// the two modules the index itself combines are loaded directly; should a later undici move them,
// the full package is loaded instead, which is slower but the same Agent.

import { createRequire } from 'node:module';
import type { Agent as AgentClass } from 'undici';

type AgentConstructor = typeof AgentClass;

let loaded: Promise<AgentConstructor> | undefined;

export function loadAgent(): Promise<AgentConstructor> {
  loaded ??= (async () => {
    try {
      const require = createRequire(import.meta.url);
      const Agent = require('undici/lib/dispatcher/agent') as AgentConstructor;
      const Dispatcher = require('undici/lib/dispatcher/dispatcher') as { prototype: object };
      // What undici's index does so that every dispatcher has request(), stream(), pipeline()…
      if (!('request' in Dispatcher.prototype)) Object.assign(Dispatcher.prototype, require('undici/lib/api'));
      if (typeof Agent === 'function' && typeof (Agent.prototype as { request?: unknown }).request === 'function') return Agent;
    } catch {
      // Fall through to the full package.
    }
    return (await import('undici')).Agent;
  })();
  return loaded;
}
