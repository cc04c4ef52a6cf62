import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellLineOf } from '../../../src/sources/kube-exec/exec-pod-source.ts';
import { buildScript, splitScriptOutput } from '../../../src/sources/kube-exec/exec-script.ts';
import { POD_COMMAND_LIST } from '../../../src/sources/pod-commands.ts';
import { VPP_COMMANDS } from '../../../src/sources/vpp-commands.ts';

/** Run a script in a real sh, as the container would. */
const sh = (script: string) => {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr };
};

describe('exec script', () => {
  it('is built for every allowlisted pod and VPP command, and refuses anything with shell syntax', () => {
    assert.doesNotThrow(() => buildScript(POD_COMMAND_LIST.map(shellLineOf)));
    assert.doesNotThrow(() => buildScript(VPP_COMMANDS.map((c) => `vppctl -s /var/run/vpp/cli.sock ${c}`)));
    for (const bad of [
      'ip addr; rm -rf /',
      'echo $(id)',
      'cat `x`',
      "ip 'a'",
      'a | b',
      'a > b',
      'a && b',
      '-x',
    ]) {
      assert.throws(() => buildScript([bad]), /unsafe line/, bad);
    }
  });

  it('splits a real shell run into per-command output, exit status and stderr', () => {
    const { stdout, stderr } = sh(buildScript(['echo abc', 'ls /nonexistent-mpe-dir', 'printf x', 'true']));
    const parts = splitScriptOutput(stdout, stderr, 4);
    assert.ok(Array.isArray(parts), String(parts));
    assert.deepEqual(parts[0], { exitCode: 0, stdout: 'abc\n', stderr: '' });
    assert.notEqual(parts[1]?.exitCode, 0);
    assert.match(parts[1]?.stderr ?? '', /nonexistent-mpe-dir/);
    assert.equal(parts[2]?.stdout, 'x');
    assert.deepEqual(parts[3], { exitCode: 0, stdout: '', stderr: '' });
  });

  it('rejects output cut before the last marker, garbled or out-of-order markers, and trailing output', () => {
    const ok = 'a\n\n@@mpe-end 0 0@@\nb\n\n@@mpe-end 1 0@@\n';
    assert.ok(Array.isArray(splitScriptOutput(ok, '', 2)));
    assert.match(String(splitScriptOutput(ok.slice(0, 20), '', 2)), /stops before the end of command 2 of 2/);
    assert.match(String(splitScriptOutput('a\n\n@@mpe-end 0 zz@@\n', '', 1)), /garbled/);
    assert.match(String(splitScriptOutput('\n@@mpe-end 1 0@@\n\n@@mpe-end 0 0@@\n', '', 2)), /stops before/);
    assert.match(String(splitScriptOutput(`${ok}extra\n`, '', 2)), /after the last command/);
  });

  it('is not fooled by a marker-like interface name, which cannot hold spaces', () => {
    const forged = '[{"ifname":"@@mpe-end"}]\n\n@@mpe-end 0 0@@\n';
    const parts = splitScriptOutput(forged, '', 1);
    assert.ok(Array.isArray(parts));
    assert.equal(parts[0]?.stdout, '[{"ifname":"@@mpe-end"}]\n');
  });
});
