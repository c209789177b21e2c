// The package's entry points, as another project imports them: the library ('siteready'), the
// plugin API ('siteready/plugin') and the judge tester ('siteready/testing'). Needs the build.

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const run = promisify(execFile);

describe('package entry points', () => {
  it("import('siteready') and its subpaths work from the project root", async () => {
    const script = `
      const lib = await import('siteready');
      const plugin = await import('siteready/plugin');
      const testing = await import('siteready/testing');
      console.log(JSON.stringify({
        lib: ['assessFile', 'rejudgeReport', 'render', 'loadSiteFile', 'evaluateGate'].filter((k) => typeof lib[k] === 'function'),
        plugin: ['defineCheck', 'routeFor', 'lookupOnce', 'dial', 'fetchEndpoint', 'pathFailureFinding', 'defineArtifact'].filter((k) => typeof plugin[k] === 'function'),
        testing: typeof testing.CheckTester,
        schemaVersion: lib.REPORT_SCHEMA_VERSION,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual({
      lib: ['assessFile', 'rejudgeReport', 'render', 'loadSiteFile', 'evaluateGate'],
      plugin: ['defineCheck', 'routeFor', 'lookupOnce', 'dial', 'fetchEndpoint', 'pathFailureFinding', 'defineArtifact'],
      testing: 'function',
      schemaVersion: '2.2.0',
    });
  });

  it('the program, the library and the plugin API run one copy of each module', async () => {
    // A plugin's lookupOnce() shares the built-in checks' DNS answers only when both hold the same
    // artifact object; two copies of the plugin API would look up every name twice.
    const script = `console.log(JSON.stringify(['siteready', 'siteready/plugin', 'siteready/testing'].map((s) => import.meta.resolve(s))));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    const bundle = join(ROOT, 'dist', 'bundle');
    expect((JSON.parse(stdout) as string[]).map((url) => new URL(url).pathname)).toEqual(
      ['index.js', 'plugin.js', 'testing.js'].map((f) => join(bundle, f)),
    );
    expect(readFileSync(join(ROOT, 'bin', 'siteready.js'), 'utf8')).toContain("import('../dist/bundle/cli.js')");
    const code = [bundle, join(bundle, 'chunks')].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(dir, f), 'utf8')),
    );
    for (const fn of ['function defineArtifact(', 'function lookupOnce(', 'function defineCheck(']) {
      expect(code.filter((text) => text.includes(fn)).length, fn).toBe(1);
    }
  });
});
