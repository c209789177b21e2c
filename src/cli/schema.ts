export async function schemaCommand(flags: { report?: boolean; fleet?: boolean; profile?: boolean }): Promise<void> {
  const schema = flags.report
    ? (await import('../report/schema.js')).reportSchema
    : flags.fleet
      ? (await import('../fleet/schema.js')).fleetSchema
      : flags.profile
        ? (await import('../compliance/profile-schema.js')).profileSchema
        : (await import('../site/schema.js')).siteSchema;
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
}
