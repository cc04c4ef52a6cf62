import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeLocalVppSource } from '../../../src/sources/node-local/node-local-vpp-source.ts';
import { cgroupHoldsPod, PodProcessFinder } from '../../../src/sources/node-local/pod-processes.ts';
import { resolveInRoot } from '../../../src/sources/node-local/resolve-in-root.ts';

const UID = '8f3e4a1c-2b7d-4e9f-a1b2-c3d4e5f60718';

describe('cgroupHoldsPod', () => {
  it('matches the cgroupfs driver (v1 and v2 paths)', () => {
    assert.ok(cgroupHoldsPod(`12:pids:/kubepods/besteffort/pod${UID}/0123abcd\n`, UID));
    assert.ok(cgroupHoldsPod(`0::/kubepods/burstable/pod${UID}/4567ef\n`, UID));
  });

  it('matches the systemd driver, where the UID has underscores', () => {
    const u = UID.replace(/-/g, '_');
    assert.ok(
      cgroupHoldsPod(
        `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u}.slice/cri-containerd-abc.scope\n`,
        UID,
      ),
    );
  });

  it('does not match another pod, a UID prefix, or a bad UID', () => {
    assert.equal(cgroupHoldsPod(`0::/kubepods/besteffort/pod${UID.slice(0, -1)}0/x\n`, UID), false);
    assert.equal(cgroupHoldsPod(`0::/kubepods/besteffort/pod${UID}extra/x\n`, UID), false);
    assert.equal(cgroupHoldsPod('0::/\n', UID), false);
    assert.equal(cgroupHoldsPod(`0::/kubepods/pod../x\n`, '..'), false);
  });
});

describe('resolveInRoot', () => {
  const root = mkdtempSync(join(tmpdir(), 'mpe-root-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'run', 'vpp'), { recursive: true });
  writeFileSync(join(root, 'run', 'vpp', 'cli.sock'), '');
  mkdirSync(join(root, 'var'));
  mkdirSync(join(root, 'etc'));
  symlinkSync('/run', join(root, 'var', 'run'));
  symlinkSync('../../../etc', join(root, 'run', 'escape'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));

  it("follows the container's absolute symlink inside the container's root", () => {
    assert.equal(resolveInRoot(root, '/var/run/vpp/cli.sock'), join(root, 'run', 'vpp', 'cli.sock'));
  });

  it('never leaves the root through .. and gives up on loops and missing parts', () => {
    assert.equal(resolveInRoot(root, '/run/escape'), join(root, 'etc'));
    assert.equal(resolveInRoot(root, '/loop1/x'), undefined);
    assert.equal(resolveInRoot(root, '/var/run/vpp/missing.sock'), undefined);
  });
});

describe('NodeLocalVppSource.resolveHostNs', () => {
  const proc = mkdtempSync(join(tmpdir(), 'mpe-proc-'));
  after(() => rmSync(proc, { recursive: true, force: true }));
  // A fake /proc with the forwarder's vpp_main (PID 4242) and its container root: VPP's view of
  // `/proc/1/fd/43` and of `/var/run/netns/ns1` (through the image's `/var/run -> /run`).
  const pid = join(proc, '4242');
  mkdirSync(join(pid, 'root', 'proc', '1', 'fd'), { recursive: true });
  mkdirSync(join(pid, 'root', 'run', 'netns'), { recursive: true });
  writeFileSync(join(pid, 'comm'), 'vpp_main\n');
  writeFileSync(join(pid, 'cgroup'), `0::/kubepods/besteffort/pod${UID}/abc\n`);
  symlinkSync('/proc/self/ns/net', join(pid, 'root', 'proc', '1', 'fd', '43'));
  symlinkSync('/proc/self/ns/net', join(pid, 'root', 'run', 'netns', 'ns1'));
  mkdirSync(join(pid, 'root', 'var'));
  symlinkSync('/run', join(pid, 'root', 'var', 'run'));
  const forwarder = {
    namespace: 'nsm-system',
    pod: 'forwarder-vpp-x',
    uid: UID,
    role: 'forwarder',
    container: 'forwarder-vpp',
  } as const;

  it('reads host-ns paths under VPP’s root, following the container’s own links, and nothing else', async () => {
    const source = new NodeLocalVppSource(new PodProcessFinder(proc), () => forwarder, 'worker-a', proc);
    const inodes = await source.resolveHostNs(
      ['/proc/1/fd/43', '/var/run/netns/ns1', '/proc/1/fd/99', '/etc/passwd', '../../etc/passwd'],
      1000,
    );
    const own = statSync('/proc/self/ns/net').ino;
    assert.deepEqual([...inodes].sort(), [
      ['/proc/1/fd/43', own],
      ['/var/run/netns/ns1', own],
    ]);
  });

  it('answers nothing when the forwarder’s VPP is not found', async () => {
    const source = new NodeLocalVppSource(new PodProcessFinder(proc), () => undefined, 'worker-a', proc);
    assert.equal((await source.resolveHostNs(['/proc/1/fd/43'], 1000)).size, 0);
  });
});
