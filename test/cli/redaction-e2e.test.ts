// A proxy that reflects the credentials it was sent — base64(user:password) in its Server header,
// its reason phrase and its body, and the decoded user:password in the body too — and a real
// assess through it: no form of the password reaches any output, whatever the password is made
// of (quotes, backslashes, a JSON literal, a number, non-ASCII). Needs the build.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/site/secrets.js';
import { runCli } from '../helpers/cli.js';
import { crashSigns } from '../helpers/hostile-peers.js';

const USER = 'svc-im';
let proxy: Server;
let proxyPort: number;
const seen: string[] = [];
const sockets = new Set<Socket>();

function reflect(auth: string | undefined): { reason: string; server: string; body: string } {
  const token = auth?.replace(/^Basic\s+/i, '') ?? '';
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  return {
    reason: `Proxy Authentication Required for ${token}`,
    server: `reflecting-proxy/1.0 (${token})`,
    body: `<html><body>Credentials ${token} (${decoded}) were refused. Proxy-Authorization: ${auth ?? ''}</body></html>`,
  };
}

beforeAll(async () => {
  proxy = createServer((req: IncomingMessage, res) => {
    // Plain-http requests through the proxy.
    const r = reflect(req.headers['proxy-authorization']);
    seen.push(req.headers['proxy-authorization'] ?? '');
    res.writeHead(407, r.reason, {
      Server: r.server,
      'Proxy-Authenticate': 'Basic realm="reflect"',
      'Content-Type': 'text/html; charset=utf-8',
    });
    res.end(r.body);
  });
  proxy.on('connect', (req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => undefined);
    const r = reflect(req.headers['proxy-authorization']);
    seen.push(req.headers['proxy-authorization'] ?? '');
    const body = Buffer.from(r.body, 'utf8');
    socket.end(
      `HTTP/1.1 407 ${r.reason}\r\nServer: ${r.server}\r\nProxy-Authenticate: Basic realm="reflect"\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${r.body}`,
    );
  });
  proxy.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  proxyPort = await new Promise<number>((resolve) =>
    proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port)),
  );
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy.close(r));
});

const PASSWORDS = ['pa"ss\\wörd-密码', 'true', '12345678'];

describe('a proxy that reflects the credentials into its 407', () => {
  it.each(PASSWORDS)('password %j: in no output, in any form', async (password) => {
    const dir = await mkdtemp(join(tmpdir(), 'siteready-redact-'));
    try {
      await writeFile(
        join(dir, 'site.yaml'),
        `version: 1
site: { name: Reflected }
network:
  proxy:
    url: http://127.0.0.1:${proxyPort}
    username: ${USER}
    password: \${PROXY_PASSWORD}
platform:
  endpoints:
    - { name: chat, url: "https://chat.example.test/", via: proxy }
    - { name: plain, url: "http://files.example.test/", via: proxy }
    - { name: ws, url: "wss://chat.example.test/ws", via: proxy }
`,
      );
      const before = seen.length;
      const formats = 'terminal,json=out/r.json,md=out/r.md,html=out/r.html,junit=out/r.xml,sarif=out/r.sarif';
      const r = await runCli(['assess', 'site.yaml', '-f', formats, '--verbose', '--debug'], {
        cwd: dir,
        env: { PROXY_PASSWORD: password },
        timeoutMs: 60_000,
      });
      expect(crashSigns(r.stderr)).toEqual([]);
      expect([0, 1]).toContain(r.code);
      // The proxy really was sent the credentials: there was something to leak.
      const pair = Buffer.from(`${USER}:${password}`, 'utf8').toString('base64');
      expect(seen.slice(before)).toContain(`Basic ${pair}`);
      const outputs: Array<[string, string]> = [
        ['stdout', r.stdout],
        ['stderr', r.stderr],
        ...(await Promise.all(
          (await readdir(join(dir, 'out'))).map(async (f) => [f, await readFile(join(dir, 'out', f), 'utf8')] as [string, string]),
        )),
      ];
      expect(outputs.length).toBe(7);
      const literal = /^(true|false|null|\d+)$/.test(password);
      const forms = [
        ...secretForms(password).filter((f) => f.length >= 4 && !(literal && f === password)),
        pair,
        pair.replace(/=+$/, ''),
        `${USER}:${password}`,
      ];
      for (const [name, text] of outputs) {
        for (const f of forms) expect(text.includes(f), `${name} contains ${JSON.stringify(f)}`).toBe(false);
      }
      // The JSON report is whole and says what the proxy did.
      const report = JSON.parse(outputs.find(([n]) => n === 'r.json')![1]);
      expect(report.results.some((x: { facts: { classification?: string } }) => x.facts.classification === 'proxy-auth-required')).toBe(
        true,
      );
      expect(() => JSON.parse(outputs.find(([n]) => n === 'r.sarif')![1])).not.toThrow();
      // What the proxy said did reach the report — masked — so the test had a leak to stop.
      expect(outputs.find(([n]) => n === 'r.json')![1]).toMatch(/reflecting-proxy\/1\.0 \(\[REDACTED\]\)|for \[REDACTED\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
