// GitHub Actions shows Markdown appended to the file $GITHUB_STEP_SUMMARY names on the run's
// summary page. Appended, never overwritten: other steps of the job write there too.

import { appendFile } from 'node:fs/promises';

export function stepSummaryPath(enabled: boolean | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (enabled === false) return undefined;
  if (env.GITHUB_ACTIONS !== 'true' || !env.GITHUB_STEP_SUMMARY) return undefined;
  return env.GITHUB_STEP_SUMMARY;
}

export async function appendStepSummary(path: string, markdown: string): Promise<void> {
  await appendFile(path, markdown.endsWith('\n') ? `${markdown}\n` : `${markdown}\n\n`, 'utf8');
}
