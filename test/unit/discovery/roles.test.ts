import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ContainerLike, DEFAULT_CONTAINER_NAMES, recognisePod } from '../../../src/discovery/roles.ts';

const pod = (name: string, ...containers: ContainerLike[]) => ({
  metadata: { name, namespace: 'red' },
  spec: { containers },
});
const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

describe('recognisePod', () => {
  it("recognises NSM's forwarder whatever its namespace or name", () => {
    assert.deepEqual(
      recognisePod(
        pod('forwarder-vpp-x7k2p', { name: 'forwarder-vpp', env: env({ NSM_TUNNEL_IP: '172.18.0.2' }) }),
      ),
      {
        role: 'forwarder',
        container: 'forwarder-vpp',
      },
    );
  });

  it('recognises the proxy of the current operator (proxy-<conduit>) with trench and conduit from its env', () => {
    const p = pod('proxy-conduit-a-1-abc', {
      name: 'proxy',
      env: env({ NSM_TRENCH: 'trench-a', NSM_CONDUIT: 'conduit-a', NSM_NAMESPACE: 'red' }),
    });
    assert.deepEqual(recognisePod(p), {
      role: 'proxy',
      container: 'proxy',
      trench: 'trench-a',
      conduit: 'conduit-a',
    });
  });

  it('recognises an old helm proxy (proxy-<trench>) and a renamed container by its env vars', () => {
    assert.equal(recognisePod(pod('proxy-trench-a-5x', { name: 'proxy' }))?.role, 'proxy');
    const renamed = pod('meridio-proxy-abcde', {
      name: 'meridio-proxy',
      env: env({ NSM_TRENCH: 'trench-a', NSM_CONDUIT: 'load-balancer' }),
    });
    assert.deepEqual(recognisePod(renamed), {
      role: 'proxy',
      container: 'meridio-proxy',
      trench: 'trench-a',
      conduit: 'load-balancer',
    });
  });

  it('recognises the stateless-lb-frontend (operator and old load-balancer-<trench>) and reads it through stateless-lb', () => {
    const current = pod(
      'stateless-lb-frontend-attractor-a-1-ghi',
      { name: 'sysctl-init' },
      { name: 'stateless-lb', env: env({ NSM_CONDUIT_NAME: 'conduit-a', NSM_TRENCH_NAME: 'trench-a' }) },
      { name: 'nsc' },
      { name: 'frontend', env: env({ NFE_TRENCH_NAME: 'trench-a', NFE_ATTRACTOR_NAME: 'attractor-a' }) },
    );
    assert.deepEqual(recognisePod(current), {
      role: 'stateless-lb-frontend',
      container: 'stateless-lb',
      trench: 'trench-a',
      conduit: 'conduit-a',
      attractor: 'attractor-a',
    });
    const old = pod('load-balancer-trench-a-7d9', { name: 'nsc' }, { name: 'fe' }, { name: 'stateless-lb' });
    assert.equal(recognisePod(old)?.container, 'stateless-lb');
  });

  it('recognises a target by its TAPA sidecar and reads its application container', () => {
    assert.deepEqual(recognisePod(pod('target-a-1', { name: 'example-target' }, { name: 'tapa' })), {
      role: 'target',
      container: 'example-target',
    });
  });

  it('ignores other pods, env values that are not literal Kubernetes names, and honours overrides', () => {
    assert.equal(recognisePod(pod('nsp-trench-a-0', { name: 'nsp' })), undefined);
    assert.equal(recognisePod({}), undefined);
    const bad = pod('proxy-x', {
      name: 'proxy',
      env: [{ name: 'NSM_TRENCH', value: 'Trench A"}' }, { name: 'NSM_CONDUIT' }],
    });
    assert.deepEqual(recognisePod(bad), { role: 'proxy', container: 'proxy' });
    const names = { ...DEFAULT_CONTAINER_NAMES, proxy: ['edge-proxy'] };
    assert.equal(recognisePod(pod('edge', { name: 'edge-proxy' }), names)?.role, 'proxy');
    assert.equal(recognisePod(pod('edge', { name: 'proxy' }), names), undefined);
  });
});
