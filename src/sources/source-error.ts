/** Why a command's output could not be read. The reason becomes a label, so the set is closed. */
export type SourceFailure =
  | 'timeout'
  | 'connect'
  | 'closed-early'
  | 'too-large'
  | 'io'
  | 'command-error'
  | 'forbidden';

export class SourceError extends Error {
  constructor(
    readonly reason: SourceFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
