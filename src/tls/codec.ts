// The TLS codec in one import: ClientHello builders (client-hello.ts), the server-flight reader
// and parsers (server-flight.ts), and the wire primitives and error type they share (wire.ts).

export * from './wire.js';
export * from './client-hello.js';
export * from './server-flight.js';
export { publicKeyFor, KEY_SHARE_GROUPS } from './key-share.js';
