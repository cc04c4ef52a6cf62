import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { before, describe, it } from 'node:test';
import pino from 'pino';
import { parsePathArgs, renderPathOutput, runPathCommand } from '../../../src/cli/path-command.ts';
import { ConfigError } from '../../../src/config/config.ts';
import { correlatePath } from '../../../src/path/correlate.ts';
import type { PathGraph } from '../../../src/path/graph.ts';
import { traceEgress, traceIngress } from '../../../src/path/trace.ts';
import { FRONTEND_GHI, PROXY, TARGET } from '../../support/fixtures.ts';
import { collectDemo } from '../../support/render-demo.ts';

let graph: PathGraph;

before(async () => {
  const s = await collectDemo('worker-a');
  graph = correlatePath({ node: 'worker-a', vpp: s.vpp, pods: s.pods });
});

const ids = (hops: { node: { id: string } }[]) => hops.map((h) => h.node.id);

describe('traced paths, in the guide’s order', () => {
  it('ingress from the frontend ghi: tap3 ⇄ tap4 into the proxy’s bridge, FDB to proxy.cond-97e3, tap5 ⇄ tap6 to the target', () => {
    const [path, ...more] = traceIngress(graph, FRONTEND_GHI);
    assert.equal(more.length, 0);
    assert.deepEqual(ids(path?.hops ?? []), [
      `pod:red/${FRONTEND_GHI}/conduit-a--f75b`,
      'vpp:tap3',
      'vpp:tap4',
      `pod:red/${PROXY}/conduit-a--1b2a`,
      `pod:red/${PROXY}/bridge0`,
      `pod:red/${PROXY}/proxy.cond-97e3`,
      'vpp:tap5',
      'vpp:tap6',
      `pod:red/${TARGET}/nsm-0`,
    ]);
    assert.match(path?.end ?? '', /arrives at the target/);
  });

  it('egress for VIP 20.0.0.1: from the target through table 1 to 172.16.1.4 (ghi, here) and to 172.16.1.2 (through the tunnel to worker-b)', () => {
    const paths = traceEgress(graph, '20.0.0.1');
    assert.equal(paths.length, 2);
    const lead = [
      `pod:red/${TARGET}/nsm-0`,
      'vpp:tap6',
      'vpp:tap5',
      `pod:red/${PROXY}/proxy.cond-97e3`,
      `pod:red/${PROXY}/bridge0`,
      `route:red/${PROXY}/ipv4/1`,
    ];
    const viaJkl = paths.find((p) => p.title.includes('172.16.1.2'));
    assert.deepEqual(ids(viaJkl?.hops ?? []), [
      ...lead,
      'peer:02:fe:66:8b:f7:da',
      `pod:red/${PROXY}/conduit-a--90c8`,
      'vpp:tap1',
      'vpp:vxlan_tunnel0',
      'node:worker-b',
    ]);
    assert.equal(viaJkl?.end, 'leaves this node towards worker-b');
    const viaGhi = paths.find((p) => p.title.includes('172.16.1.4'));
    assert.deepEqual(ids(viaGhi?.hops ?? []).slice(lead.length), [
      `pod:red/${FRONTEND_GHI}/conduit-a--f75b`,
      `pod:red/${PROXY}/conduit-a--1b2a`,
      'vpp:tap4',
      'vpp:tap3',
      `pod:red/${FRONTEND_GHI}/conduit-a--f75b`,
    ]);
  });

  it('a VIP nobody announces traces nothing and says so', () => {
    assert.deepEqual(traceEgress(graph, '30.0.0.1'), []);
    assert.match(renderPathOutput(graph, { vip: '30.0.0.1', json: false }), /no path found/);
  });
});

describe('the path command', () => {
  it('prints the hops of the demo with each link’s evidence and health', async () => {
    let out = '';
    const code = await runPathCommand(
      ['--vip', '20.0.0.1', '--demo', 'worker-a'],
      {},
      pino({ level: 'silent' }),
      (s) => {
        out += s;
      },
    );
    assert.equal(code, 0);
    assert.match(out, /^path of worker-a \(forwarder-vpp-worker-a\) at .*: 21 links, 0 down/);
    assert.match(out, /egress for VIP 20\.0\.0\.1 via 172\.16\.1\.2/);
    assert.match(out, /tap-peer, matched by host-mac-addr, host-if-name \[up\]/);
    assert.match(out, /VxLAN VNI 9832580 172\.18\.0\.2 → 172\.18\.0\.4 \[up\]/);
    assert.doesNotMatch(out, /ingress/);
  });

  it('prints the graph as JSON with --json', async () => {
    let out = '';
    await runPathCommand(['--json', '--demo=worker-b'], {}, pino({ level: 'silent' }), (s) => {
      out += s;
    });
    const g = JSON.parse(out) as PathGraph;
    assert.equal(g.schemaVersion, 1);
    assert.equal(g.node, 'worker-b');
  });

  const runPath = async (argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runPathCommand(
      argv,
      {},
      pino({ level: 'silent' }),
      (s) => {
        out += s;
      },
      (s) => {
        err += s;
      },
    );
    return { code, out, err };
  };

  it('exits 1 when nothing matches, and lists the VIPs and pods there are', async () => {
    const r = await runPath(['--demo=worker-a', '--vip', '9.9.9.9']);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /^no path of VIP 9\.9\.9\.9 on worker-a\.$/m);
    assert.match(r.err, /^VIPs with a proxy table here: 20\.0\.0\.1, 2000::1$/m);
    assert.match(r.err, new RegExp(`pods read here: .*${PROXY} \\(proxy\\)`));
    assert.equal((await runPath(['--demo=worker-a', '--from', 'no-such-pod'])).code, 1);
    assert.equal((await runPath(['--demo=worker-a', '--vip', '20.0.0.1'])).code, 0);
  });

  it('names the URL and the reason when the exporter cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const r = await runPath(['--url', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `meridio-path-exporter path: cannot reach http://127.0.0.1:${port}/api/v1/path: ECONNREFUSED\n`,
    );
  });

  it('refuses bad arguments with one clear line each', () => {
    assert.throws(
      () => parsePathArgs(['--vip']),
      (e: Error) => e instanceof ConfigError && /--vip needs a value/.test(e.message),
    );
    assert.throws(() => parsePathArgs(['--url', 'ftp://x']), /must be an http\(s\) URL/);
    assert.throws(
      () => parsePathArgs(['--url=http://127.0.0.1:1', '--demo', 'worker-a']),
      /would be ignored: --demo worker-a/,
    );
    assert.deepEqual(parsePathArgs(['--from=ghi', '--replay', '/x']), {
      from: 'ghi',
      json: false,
      help: false,
      rest: ['--replay', '/x'],
    });
  });
});
