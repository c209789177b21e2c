export async function schemaCommand(flags: { report?: boolean }): Promise<void> {
  const schema = flags.report ? (await import('../report/schema.js')).reportSchema : (await import('../site/schema.js')).siteSchema;
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
