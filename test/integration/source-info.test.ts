import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';

const get = async (url: string) => (await fetch(url)).text();

describe('where the data comes from', () => {
  it('the demo says it is a recording: a source_info series and a banner on the page', async () => {
    const exporter = await startTestExporter(['--demo=worker-a']);
    try {
      assert.match(
        await get(`${exporter.url}/metrics`),
        /^meridio_path_exporter_source_info\{vpp="demo worker-a",pods="demo worker-a",recorded="true",node="worker-a"\} 1$/m,
      );
      assert.match(
        await get(`${exporter.url}/`),
        /<p class="banner" role="note">Recorded data \(demo worker-a\)/,
      );
    } finally {
      await exporter.stop();
    }
  });

  it('a live VPP socket is not a recording: no banner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-source-'));
    const sock = join(dir, 'cli.sock');
    const peer = new VppCliPeer(sock, {
      responses: { 'show interface': demoVpp('worker-a', 'show-interface') },
    });
    await peer.start();
    const exporter = await startTestExporter([`--vpp-cli-socket=${sock}`, '--node=n1']);
    try {
      assert.match(
        await get(`${exporter.url}/metrics`),
        new RegExp(
          `meridio_path_exporter_source_info\\{vpp="vpp-cli-socket ${sock}",pods="none",recorded="false",node="n1"\\} 1`,
        ),
      );
      assert.doesNotMatch(await get(`${exporter.url}/`), /class="banner"/);
    } finally {
      await exporter.stop();
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
