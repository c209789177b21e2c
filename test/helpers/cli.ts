// Runs the built CLI (bin/siteready.js → dist/) as a child process, as a user would.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/siteready.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; prefix?: string[] } = {},
): Promise<CliResult> {
  const t0 = Date.now();
  const [cmd, ...pre] = opts.prefix?.length ? opts.prefix : [process.execPath];
  const argv = opts.prefix?.length ? [...pre, process.execPath, BIN, ...args] : [BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, argv, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** In CI a missing lab tool is a failure, never a silent skip. */
export function requireTool(available: boolean, name: string): boolean {
  if (available) return true;
  if (process.env.CI) throw new Error(`${name} is required for integration tests in CI (install it in .ci/run)`);
  return false;
}
