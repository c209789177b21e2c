// Colour and TTY decisions in one place: NO_COLOR wins, FORCE_COLOR forces, else a TTY decides.

export function colorEnabled(stream: NodeJS.WriteStream, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (flag === true) return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
