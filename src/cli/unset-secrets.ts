// validate and plan read a site without its secrets (they never use them): say which ones are
// unset, so a user learns before `assess` that it will need them.

export function unsetSecretsWarning(names: readonly string[] | undefined): string | undefined {
  if (!names?.length) return undefined;
  const one = names.length === 1;
  return `warning: ${names.join(', ')} ${one ? 'is' : 'are'} not set: assess will need ${one ? 'it' : 'them'}`;
}

export function warnUnsetSecrets(names: readonly string[] | undefined): void {
  const warning = unsetSecretsWarning(names);
  if (warning) process.stderr.write(`${warning}\n`);
}
