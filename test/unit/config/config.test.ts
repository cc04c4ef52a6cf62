import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEMO_ROOT, parseCli } from '../../../src/config/config.ts';
import { helpText } from '../../../src/config/help.ts';
import { SETTINGS } from '../../../src/config/settings.ts';

function config(argv: string[], env: Record<string, string> = {}) {
  const r = parseCli(argv, env);
  assert.equal(r.kind, 'run');
  return r.kind === 'run' ? r.config : assert.fail();
}

function problems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    parseCli(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('serves the worker-a demo when asked, on port 9847 with 15s/60s intervals', () => {
    const c = config(['--demo=worker-a']);
    assert.deepEqual(c.source, { kind: 'replay', dir: join(DEMO_ROOT, 'worker-a'), demo: 'worker-a' });
    assert.equal(c.node, 'worker-a');
    assert.equal(c.forwarder, 'forwarder-vpp-worker-a');
    assert.equal(c.listen.host, '', 'every address of both families');
    assert.equal(c.listen.port, 9847);
    assert.equal(c.telemetryPath, '/metrics');
    assert.equal(c.intervalSeconds, 15);
    assert.equal(c.stateIntervalMs, 60_000);
    assert.equal(c.commandTimeoutMs, 5000);
  });

  it('accepts the removed --collect.thread (and its variable) so that old configurations start, and says it is ignored', () => {
    assert.deepEqual(config(['--demo=worker-a']).ignored, []);
    assert.match(
      config(['--demo=worker-a', '--collect.thread=worker']).ignored.join(),
      /--collect.thread: ignored/,
    );
    assert.match(
      config(['--demo=worker-a'], { MPE_COLLECT_THREAD: 'worker' }).ignored.join(),
      /MPE_COLLECT_THREAD \(environment\): ignored/,
    );
  });

  it('selects worker-b, a replay directory, or the VPP socket', () => {
    assert.equal(config(['--demo=worker-b']).forwarder, 'forwarder-vpp-worker-b');
    const dir = mkdtempSync(join(tmpdir(), 'mpe-replay-'));
    mkdirSync(join(dir, 'vpp'));
    assert.deepEqual(config(['--replay', dir]).source, { kind: 'replay', dir });
    const s = config(['--vpp-cli-socket=/var/run/vpp/cli.sock'], { NODE_NAME: 'kind-worker' });
    assert.deepEqual(s.source, { kind: 'vpp-cli-socket', socketPath: '/var/run/vpp/cli.sock' });
    assert.equal(s.node, 'kind-worker');
  });

  it('reads pods in network namespaces, alone or with the VPP socket; the demo replays its pods', () => {
    const pods = config(['--netns.pods=red/proxy-a:proxy=/proc/42/ns/net, red/target-a-1=/var/run/netns/t1']);
    assert.deepEqual(pods.source, { kind: 'none' });
    assert.deepEqual(pods.pods, {
      kind: 'netns',
      pods: [
        { namespace: 'red', pod: 'proxy-a', role: 'proxy', netns: '/proc/42/ns/net' },
        { namespace: 'red', pod: 'target-a-1', netns: '/var/run/netns/t1' },
      ],
    });
    assert.equal(pods.includeLocal, false);
    const both = config([
      '--netns.pods=red/p=/proc/1/ns/net',
      '--vpp-cli-socket=/x.sock',
      '--collect.include-local=true',
    ]);
    assert.equal(both.source.kind, 'vpp-cli-socket');
    assert.equal(both.pods.kind, 'netns');
    assert.equal(both.includeLocal, true);
    assert.deepEqual(config(['--demo=worker-a']).pods, { kind: 'replay', dir: join(DEMO_ROOT, 'worker-a') });
    assert.deepEqual(config(['--vpp-cli-socket=/x.sock']).pods, { kind: 'none' });
  });

  it('runs in the cluster with --kube.mode: node from NODE_NAME, container names overridable per role', () => {
    const c = config(['--kube.mode=exec', '--kube.container-names=proxy=proxy|meridio-proxy'], {
      NODE_NAME: 'worker-a',
    });
    assert.equal(c.node, 'worker-a');
    assert.deepEqual(c.source, { kind: 'cluster' });
    assert.deepEqual(c.pods, { kind: 'cluster' });
    assert.equal(c.cluster?.mode, 'exec');
    assert.equal(c.cluster?.kubeconfig, undefined);
    assert.deepEqual(c.cluster?.containerNames.proxy, ['proxy', 'meridio-proxy']);
    assert.deepEqual(c.cluster?.containerNames.forwarder, ['forwarder-vpp']);
    assert.equal(config(['--demo=worker-a']).nodeByAddress?.get('172.18.0.4'), 'worker-b');
  });

  it('reads every setting from its MPE_ environment variable; flags win', () => {
    const c = config(['--collect.interval=30s'], {
      MPE_WEB_LISTEN_ADDRESS: '127.0.0.1:9000',
      MPE_COLLECT_INTERVAL: '5s',
      MPE_COLLECT_STATE_INTERVAL: '2m',
      MPE_VPP_CLI_SOCKET: '/run/vpp/cli.sock',
      MPE_FORWARDER: 'forwarder-vpp-abc',
    });
    assert.equal(c.listen.host, '127.0.0.1');
    assert.equal(c.listen.port, 9000);
    assert.equal(c.intervalSeconds, 30);
    assert.equal(c.stateIntervalMs, 120_000);
    assert.equal(c.forwarder, 'forwarder-vpp-abc');
  });

  it('takes an empty --web.config.file as none, as the exporter toolkit does (flag or environment)', () => {
    assert.equal(config(['--demo=worker-a', '--web.config.file=']).webConfigFile, undefined);
    assert.equal(config(['--demo=worker-a'], { MPE_WEB_CONFIG_FILE: '' }).webConfigFile, undefined);
    assert.equal(config(['--demo=worker-a'], { MPE_WEB_CONFIG_FILE: '/w.yml' }).webConfigFile, '/w.yml');
    assert.equal(config(['--demo=worker-a', '--web.config.file=/etc/web.yml']).webConfigFile, '/etc/web.yml');
  });

  it('accepts [IPv6]:port', () => {
    assert.equal(config(['--demo=worker-a', '--web.listen-address=[::1]:9847']).listen.host, '::1');
  });

  // One case per bad setting: the message names it.
  const bad: [string, string[], Record<string, string>, RegExp][] = [
    ['unknown flag', ['--web.listen-adress=:1'], {}, /unknown flag --web.listen-adress/],
    ['flag without value', ['--replay'], {}, /--replay needs a value/],
    ['positional argument', ['worker-a'], {}, /unexpected argument "worker-a"/],
    [
      'bad listen address',
      ['--web.listen-address=9847'],
      {},
      /--web.listen-address="9847": expected HOST:PORT/,
    ],
    ['port out of range', ['--web.listen-address=:70000'], {}, /expected HOST:PORT/],
    ['bad telemetry path', ['--web.telemetry-path=metrics'], {}, /--web.telemetry-path="metrics"/],
    ['telemetry path on a probe', ['--web.telemetry-path=/healthz'], {}, /other than \/, \/healthz/],
    ['unknown demo', ['--demo=worker-c'], {}, /--demo="worker-c": the demos are worker-a, worker-b/],
    ['missing replay dir', ['--replay=/nonexistent/x'], {}, /--replay="\/nonexistent\/x": no such directory/],
    ['relative socket path', ['--vpp-cli-socket=cli.sock'], {}, /must be absolute/],
    ['two sources', ['--demo=worker-a', '--vpp-cli-socket=/x.sock'], {}, /choose one source/],
    ['bad duration', ['--collect.interval=fast'], {}, /--collect.interval="fast": expected a duration/],
    ['interval cron cannot keep', ['--collect.interval=7s'], {}, /7s cannot be kept by the cron schedule/],
    [
      'state interval shorter',
      ['--collect.state-interval=5s'],
      {},
      /--collect.state-interval="5s": must not be shorter/,
    ],
    [
      'timeout not shorter than interval',
      ['--collect.command-timeout=15s'],
      {},
      /must be shorter than --collect.interval/,
    ],
    [
      'bad log level',
      ['--log.level=verbose'],
      {},
      /--log.level="verbose": must be one of debug, info, warn, error/,
    ],
    ['bad env value', [], { MPE_COLLECT_INTERVAL: '0s' }, /MPE_COLLECT_INTERVAL \(environment\)="0s"/],
    ['flag twice', ['--node=a', '--node=b'], {}, /--node is given twice/],
    ['netns pod without path', ['--netns.pods=red/proxy-a'], {}, /expected NAMESPACE\/POD\[:ROLE\]=PATH/],
    [
      'netns pod with a role short for another',
      ['--netns.pods=red/fe-a:frontend=/proc/1/ns/net'],
      {},
      /role "frontend" is not one of proxy, stateless-lb-frontend, target/,
    ],
    [
      'netns pod with an unknown role',
      ['--netns.pods=red/x:bogus=/proc/1/ns/net'],
      {},
      /role "bogus" is not one of proxy, stateless-lb-frontend, target/,
    ],
    [
      'gone window not a duration',
      ['--path.gone-window=soon'],
      {},
      /--path.gone-window="soon": expected a duration/,
    ],
    [
      'stats segment relative path',
      ['--vpp-stats-segment=stat.seg'],
      {},
      /must be auto, off or an absolute path/,
    ],
    [
      'netns pod as the forwarder',
      ['--netns.pods=nsm/fwd:forwarder=/proc/1/ns/net'],
      {},
      /role "forwarder" is not one of/,
    ],
    [
      'unknown kube mode',
      ['--kube.mode=daemon', '--node=w'],
      {},
      /--kube.mode="daemon": must be one of node-local, exec/,
    ],
    [
      'kube mode without node',
      ['--kube.mode=exec'],
      {},
      /node to read must be given with --node or NODE_NAME/,
    ],
    [
      'kube mode with a bad node name',
      ['--kube.mode=exec', '--node=Worker_A'],
      {},
      /not a Kubernetes node name/,
    ],
    [
      'kube mode with a recording',
      ['--kube.mode=exec', '--node=w', '--demo=worker-a'],
      {},
      /cannot be combined with --demo/,
    ],
    [
      'kube mode with a socket',
      ['--kube.mode=node-local', '--node=w', '--vpp-cli-socket=/x.sock'],
      {},
      /cannot be combined with --vpp-cli-socket/,
    ],
    [
      'missing kubeconfig',
      ['--kube.mode=exec', '--node=w', '--kubeconfig=/nonexistent/kc'],
      {},
      /--kubeconfig="\/nonexistent\/kc": no such file/,
    ],
    ['kubeconfig without kube mode', ['--kubeconfig=/x'], {}, /--kubeconfig: only used with --kube.mode/],
    [
      'unknown role in container names',
      ['--kube.mode=exec', '--node=w', '--kube.container-names=router=r'],
      {},
      /ROLE one of forwarder, proxy/,
    ],
    [
      'bad container name',
      ['--kube.mode=exec', '--node=w', '--kube.container-names=proxy=My_Proxy'],
      {},
      /container names must be Kubernetes names/,
    ],
    [
      'netns path outside /proc and /var/run/netns',
      ['--netns.pods=red/proxy-a=/etc/passwd'],
      {},
      /must be \/proc\/<pid>\/ns\/net or \/var\/run\/netns\/<name>/,
    ],
    ['netns path with ..', ['--netns.pods=red/p=/var/run/netns/../x'], {}, /namespace path must be/],
    [
      'netns pod name not a Kubernetes name',
      ['--netns.pods=red/Proxy_A=/proc/1/ns/net'],
      {},
      /must be Kubernetes names/,
    ],
    [
      'netns pod twice',
      ['--netns.pods=red/p=/proc/1/ns/net,red/p=/proc/2/ns/net'],
      {},
      /red\/p is listed twice/,
    ],
    [
      'netns pods with a recording',
      ['--netns.pods=red/p=/proc/1/ns/net', '--demo=worker-a'],
      {},
      /cannot be mixed with a recording/,
    ],
    [
      'bad include-local',
      ['--collect.include-local=yes'],
      {},
      /--collect.include-local="yes": must be one of true, false/,
    ],
  ];
  for (const [name, argv, env, expected] of bad) {
    it(`rejects ${name}`, () => {
      const p = problems(argv, env);
      assert.ok(
        p.some((m) => expected.test(m)),
        p.join('\n'),
      );
    });
  }

  it('rejects a replay directory without vpp/ and a broken replay.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-replay-'));
    assert.match(problems(['--replay', dir]).join('\n'), /no vpp\/ or pods\/ folder/);
    mkdirSync(join(dir, 'vpp'));
    writeFileSync(join(dir, 'replay.json'), '{"node": 5}');
    assert.match(
      problems(['--replay', dir]).join('\n'),
      /replay.json: "node" and "forwarder" must be strings/,
    );
  });

  it('refuses to start without a source, and lists them', () => {
    const [only] = problems([]);
    assert.match(only ?? '', /^no source to read: give --vpp-cli-socket PATH/);
    for (const flag of ['--netns.pods', '--kube.mode', '--replay', '--demo worker-a|worker-b']) {
      assert.ok(only?.includes(flag), flag);
    }
  });

  it('reports every problem at once', () => {
    assert.equal(
      problems(['--demo=worker-a', '--log.level=x', '--log.format=y', '--collect.interval=z']).length,
      3,
    );
    // A check between two settings still runs when a third one is wrong.
    assert.deepEqual(
      problems(['--demo=worker-a', '--log.level=x', '--collect.interval=7s', '--collect.state-interval=1s']),
      [
        '--collect.interval="7s": 7s cannot be kept by the cron schedule; use whole seconds dividing 60 (1s, 5s, 10s, 15s, 30s) or whole minutes dividing 60',
        '--log.level="x": must be one of debug, info, warn, error',
      ],
    );
    assert.equal(problems(['--demo=worker-a', '--log.level=x', '--collect.state-interval=1s']).length, 2);
  });

  it('answers --help and --version, and the help lists every setting', () => {
    assert.deepEqual(parseCli(['--help'], {}), { kind: 'help' });
    assert.deepEqual(parseCli(['--version'], {}), { kind: 'version' });
    assert.match(helpText(), /meridio-path-exporter path \[--vip ADDRESS\]/, 'the path subcommand');
    for (const s of SETTINGS) {
      assert.ok(helpText().includes(`--${s.flag}=`), s.flag);
      assert.ok(helpText().includes(s.env), s.env);
    }
  });
});

describe('path.gone-window and vpp-stats-segment', () => {
  it('default to 10 minutes and auto; 0s turns the window off; a path is taken as is', () => {
    assert.equal(config(['--demo=worker-a']).goneWindowMs, 600_000);
    assert.deepEqual(config(['--demo=worker-a']).statsSegment, { kind: 'auto' });
    assert.equal(config(['--demo=worker-a', '--path.gone-window=0s']).goneWindowMs, 0);
    assert.deepEqual(config(['--demo=worker-a', '--vpp-stats-segment=/proc/1/fd/5']).statsSegment, {
      kind: 'path',
      path: '/proc/1/fd/5',
    });
    assert.deepEqual(config(['--demo=worker-a', '--vpp-stats-segment=off']).statsSegment, { kind: 'off' });
  });
});
