import { isSegmentLink, segmentFdPath } from './find-segment.ts';
import { openSegmentFile } from './segment-file.ts';
import { type StatsSegmentData, StatsSegmentReader } from './segment-reader.ts';
import { SegmentError, type SegmentFailure } from './segment-view.ts';

/** `--vpp-stats-segment`: find it by the VPP process (`auto`), never read it (`off`), or read this file. */
export type StatsSegmentSetting = { kind: 'auto' } | { kind: 'off' } | { kind: 'path'; path: string };

/** The command name the segment's reads are reported under, next to the CLI commands. */
export const STATS_SEGMENT_COMMAND = 'stats segment';

export type StatsSegmentResult =
  | { kind: 'ok'; data: StatsSegmentData }
  /** Not there to read in `auto` (no local VPP process, no privilege, an older layout): use the CLI. */
  | { kind: 'unavailable'; reason: string }
  | { kind: 'failed'; failure: SegmentFailure | 'connect'; message: string };

/**
 * VPP's statistics segment as a source of counters: opened for each read (a restarted VPP has a new
 * memfd and pid, found again) and read without asking VPP anything, so no CLI command and no barrier.
 * In `auto` the segment of the VPP process behind the source is used when this process may read it
 * (root, or CAP_SYS_PTRACE over VPP); when it cannot be had the CLI stays the source, and that is not a
 * failure. A segment that was found but cannot be read is one.
 */
export class StatsSegmentSource {
  private readonly reader = new StatsSegmentReader();
  private path?: string;

  constructor(
    private readonly setting: Exclude<StatsSegmentSetting, { kind: 'off' }>,
    /** The VPP process whose segment `auto` reads (the one serving the CLI socket, or the forwarder's vpp_main). */
    private readonly vppPid: () => number | undefined,
  ) {}

  get location(): string {
    return this.setting.kind === 'path' ? this.setting.path : (this.path ?? 'VPP process memfd');
  }

  async read(): Promise<StatsSegmentResult> {
    const path = this.locate();
    if (!path) {
      return {
        kind: 'unavailable',
        reason: 'no local VPP process with a stats segment memfd is visible to the agent',
      };
    }
    let open: ReturnType<typeof openSegmentFile>;
    try {
      open = openSegmentFile(path);
    } catch (err) {
      this.path = undefined;
      const e = err as NodeJS.ErrnoException;
      if (this.setting.kind === 'auto' && (e.code === 'EACCES' || e.code === 'EPERM')) {
        return {
          kind: 'unavailable',
          reason: `${path}: ${e.code} (needs root or CAP_SYS_PTRACE over VPP's process)`,
        };
      }
      return {
        kind: 'failed',
        failure: e.code === 'ENOENT' ? 'connect' : 'io',
        message: `${path}: ${e.message}`,
      };
    }
    try {
      return { kind: 'ok', data: await this.reader.read(open.file, open.key) };
    } catch (err) {
      if (!(err instanceof SegmentError)) throw err;
      if (this.setting.kind === 'auto' && err.reason === 'version')
        return { kind: 'unavailable', reason: err.message };
      return { kind: 'failed', failure: err.reason, message: err.message };
    } finally {
      open.close();
    }
  }

  /** The file to read now: the configured path, or the memfd of the VPP process behind the source. */
  private locate(): string | undefined {
    if (this.setting.kind === 'path') return this.setting.path;
    // The same fd of the same process still being the segment is the common case: one readlink.
    if (this.path && isSegmentLink(this.path)) return this.path;
    const pid = this.vppPid();
    this.path = pid === undefined ? undefined : segmentFdPath(pid);
    return this.path;
  }
}
