/** Why a command's output could not be read. The reason becomes a label, so the set is closed. */
export type SourceFailure =
  | 'timeout'
  | 'connect'
  | 'closed-early'
  | 'too-large'
  | 'io'
  | 'command-error'
  | 'forbidden'
  /** The tool or option is missing in the pod (no `ip`, an `ip` without `-json`): try the next form. */
  | 'unsupported';

export class SourceError extends Error {
  constructor(
    readonly reason: SourceFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
