import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { parseCli } from '../../src/config/config.ts';
import { startWorkerCollector } from '../../src/cycle/worker-collector.ts';
import { ExpositionCache } from '../../src/exposition/exposition-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'mpe-worker-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A collection thread that behaves as `body` says (plain JavaScript, run as the worker). */
function script(name: string, body: string): URL {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(file);
}

function config() {
  const request = parseCli(['--demo=worker-a', '--collect.thread=worker'], {});
  if (request.kind !== 'run') throw new Error('expected a run configuration');
  return request.config;
}

const STARTED = `parentPort.postMessage({ type: 'started', description: { vpp: 'x', pods: 'y', recorded: false }, schedule: '* * * * * *', podsKnown: true });`;

describe('the collection thread seen from the serving thread', () => {
  it('a thread that ends on its own is reported once, and asking it for a cycle then answers at once', async () => {
    const deaths: Error[] = [];
    const collector = await startWorkerCollector(config(), pino({ level: 'silent' }), new ExpositionCache(), {
      entry: script('dies', `${STARTED}\nsetTimeout(() => process.exit(3), 100);`),
      onDeath: (err) => deaths.push(err),
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(deaths.length, 1);
    assert.match(deaths[0]?.message ?? '', /exited \(code 3\) without being asked to/);
    assert.equal(await collector.runCycle(), undefined);
    assert.equal(collector.cycles, 0);
    await collector.stop();
    assert.equal(deaths.length, 1, 'a stop after the death reports nothing more');
  });

  it("a configuration the thread refuses is the serving side's configuration error (exit 2), not a death", async () => {
    const deaths: Error[] = [];
    await assert.rejects(
      startWorkerCollector(config(), pino({ level: 'silent' }), new ExpositionCache(), {
        // Exits at once: the exit arrives right behind the refusal.
        entry: script(
          'refuses',
          `parentPort.postMessage({ type: 'start-failed', message: 'invalid', problems: ['--x: bad'] });\nprocess.exit(2);`,
        ),
        onDeath: (err) => deaths.push(err),
      }),
      (err: Error) => err.name === 'ConfigError' && /--x: bad/.test(err.message),
    );
    assert.deepEqual(deaths, []);
  });

  it('readiness follows the thread between cycles', async () => {
    const collector = await startWorkerCollector(config(), pino({ level: 'silent' }), new ExpositionCache(), {
      entry: script(
        'syncs-later',
        `${STARTED.replace('podsKnown: true', 'podsKnown: false')}\nsetTimeout(() => parentPort.postMessage({ type: 'pods-known', podsKnown: true }), 100);\nparentPort.on('message', (m) => { if (m.type === 'stop') { parentPort.postMessage({ type: 'stopped' }); parentPort.close(); } });`,
      ),
    });
    assert.equal(collector.podsKnown, false);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(collector.podsKnown, true);
    await collector.stop();
  });

  it('a thread that ignores the stop is terminated within the grace', async () => {
    const collector = await startWorkerCollector(config(), pino({ level: 'silent' }), new ExpositionCache(), {
      entry: script('deaf', `${STARTED}\nsetInterval(() => {}, 1000);`),
    });
    const t0 = Date.now();
    await collector.stop();
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 2000, `stopped in ${took} ms`);
  });
});
