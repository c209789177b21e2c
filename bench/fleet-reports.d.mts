// Types of fleet-reports.mjs for the TypeScript tests that import it.
export declare const HOSTILE_NAMES: string[];
export declare function siteName(i: number): string;
export declare function generateReport(base: unknown, i: number, opts?: { rerun?: boolean }): Record<string, unknown>;
export declare function writeFleetReports(dir: string, count: number): string[];
