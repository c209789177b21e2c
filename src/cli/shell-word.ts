// Paths, URLs and options quoted in the commands siteready prints for the user to paste.

/** A path or URL as it can be pasted into a shell. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
