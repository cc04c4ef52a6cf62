import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKubeConfig } from '../../../src/discovery/kube-config.ts';

describe('loadKubeConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpe-kc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a kubeconfig file and its current cluster', () => {
    const file = join(dir, 'ok');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n',
    );
    assert.equal(loadKubeConfig(file).getCurrentCluster()?.server, 'https://10.0.0.1:6443');
  });

  it('says what to do outside a pod without a kubeconfig, and names a missing or empty file', () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      assert.throws(
        () => loadKubeConfig(undefined, join(dir, 'no-token')),
        /give --kubeconfig or set KUBECONFIG/,
      );
    } finally {
      if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved;
    }
    assert.throws(() => loadKubeConfig(join(dir, 'missing')), /kubeconfig .*missing does not exist/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, 'apiVersion: v1\nkind: Config\n');
    assert.throws(() => loadKubeConfig(empty), /has no current cluster/);
  });
});
