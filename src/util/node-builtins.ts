// Node modules that a command pays for only once it uses them:
// - `import … from 'node:http'` on Node ≥ 22 builds the module's ES facade, which reads every
//   export — among them getters that load Node's own copy of undici: ~30 ms of every start.
//   process.getBuiltinModule hands over the module itself, getters unread.
// - node:tls costs 10–18 ms to load; a run that never opens a TLS connection (`run tcp`, most
//   probes) should not wait for it.
// - node:zlib serves only a gzip-compressed metrics export.

export function nodeHttp(): typeof import('node:http') {
  return process.getBuiltinModule('node:http');
}

export function nodeTls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}

export function nodeZlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib');
}
