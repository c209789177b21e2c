// A store that cannot be used right now: down, refused, wrong password, driver missing. The run
// is never lost over it: the caller keeps the JSON report and says how to import it later.

export class StoreUnavailable extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StoreUnavailable';
  }
}
