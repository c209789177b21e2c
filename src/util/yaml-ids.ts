// Shipped data named by file: profiles/<id>.yaml, platforms/<id>.yaml.

import { existsSync, readdirSync } from 'node:fs';

/** The ids of the .yaml files in `dir`, sorted; none when the folder is missing. */
export function yamlIdsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}
