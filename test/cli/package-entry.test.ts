// The package's entry points, as another project imports them: the library ('siteready'), the
// plugin API ('siteready/plugin') and the judge tester ('siteready/testing'). Needs the build.

import { execFile } from 'node:child_process';
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
});
