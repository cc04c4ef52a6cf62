import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  segmentFdPath,
  vppMainProcesses,
  vppServingSocket,
} from '../../../src/sources/vpp-stats/find-segment.ts';

const root = mkdtempSync(join(tmpdir(), 'mpe-proc-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The CLI socket file as this process sees it (any file: only its device and inode are compared). */
const socketFile = join(root, 'cli.sock');
writeFileSync(socketFile, '');

const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
const listening = (inode: number, path: string) =>
  `0000000000000000: 00000002 00000000 00010000 0001 01 ${inode} ${path}\n`;
const connected = (inode: number, path: string) =>
  `0000000000000000: 00000003 00000000 00000000 0001 03 ${inode} ${path}\n`;

/** A fake /proc entry: comm, the namespace's unix sockets, fds (link targets) and a root. */
function proc(pid: number, o: { comm: string; unix: string; fds: string[] }): void {
  const dir = join(root, 'proc', String(pid));
  mkdirSync(join(dir, 'fd'), { recursive: true });
  mkdirSync(join(dir, 'net'), { recursive: true });
  writeFileSync(join(dir, 'comm'), `${o.comm}\n`);
  writeFileSync(join(dir, 'net', 'unix'), UNIX_HEADER + o.unix);
  symlinkSync('/', join(dir, 'root'));
  o.fds.forEach((target, i) => {
    symlinkSync(target, join(dir, 'fd', String(i + 3)));
  });
}

const procRoot = join(root, 'proc');
// Both VPPs share a network namespace, so each one's net/unix lists the other's sockets too; so does
// the peer process serving the socket file.
const unix =
  listening(1001, socketFile) + listening(2002, '/run/vpp-other/cli.sock') + connected(3003, socketFile);
proc(100, { comm: 'vpp_main', unix, fds: ['socket:[2002]', '/memfd:stat segment (deleted)'] });
proc(200, { comm: 'node', unix, fds: ['socket:[1001]'] });
proc(300, {
  comm: 'vpp_main',
  unix,
  fds: ['socket:[9]', 'socket:[1001]', '/dev/null', '/memfd:stat segment (deleted)'],
});
proc(400, { comm: 'vpp_main', unix: '', fds: ['/memfd:buffers-numa-0 (deleted)'] });

describe('finding the stats segment of the VPP behind a CLI socket', () => {
  it('lists vpp_main processes by their comm', () => {
    assert.deepEqual(vppMainProcesses(procRoot).sort(), [100, 300, 400]);
  });

  it('takes the vpp_main process that holds the listening socket, not one that only shares its namespace', () => {
    // 100 sees the socket in its namespace's list but does not hold it: before the fd check, it was taken.
    assert.equal(vppServingSocket(socketFile, procRoot), 300);
  });

  it('finds nobody for a socket no vpp_main holds, or a path that does not exist', () => {
    assert.equal(vppServingSocket(join(root, 'missing.sock'), procRoot), undefined);
    const other = join(root, 'other.sock');
    writeFileSync(other, '');
    assert.equal(vppServingSocket(other, procRoot), undefined);
  });

  it("finds the memfd among the process's fds, and nothing where there is none", () => {
    assert.equal(segmentFdPath(300, procRoot), `${procRoot}/300/fd/6`);
    assert.equal(segmentFdPath(400, procRoot), undefined);
    assert.equal(segmentFdPath(999, procRoot), undefined);
  });
});
