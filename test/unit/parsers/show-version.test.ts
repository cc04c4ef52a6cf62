import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShowVersion } from '../../../src/parsers/vpp/show-version.ts';
import { detectVppError } from '../../../src/parsers/vpp/vpp-error.ts';
import { vppFixture } from '../../support/fixtures.ts';
import { assertNeverThrows } from './never-throws.ts';

describe('parseShowVersion', () => {
  it('reads v26.06, v21.06 and the old date format of v19.04', () => {
    assert.deepEqual(parseShowVersion(vppFixture('vpp2606-show-version.txt')).value, {
      version: '26.06-release',
      buildDate: '2026-11-22T16:42:23',
    });
    assert.equal(
      parseShowVersion(vppFixture('show-version.robric-vpp-testing.v21.06.txt')).value?.version,
      '21.06-release',
    );
    assert.deepEqual(parseShowVersion(vppFixture('show-version.sknrao-cnb.v19.04.txt')).value, {
      version: '19.04.4-rc0~4-g8f2ac2b~b137',
      buildDate: 'Wed Jan  1 17:31:21 UTC 2020',
    });
  });

  it('reads NSM image versions', () => {
    const v = parseShowVersion(
      'vpp v23.10-rc0~170-g806b14eeb built by root on 0f1c at 2023-10-03T09:00:00\r\n',
    );
    assert.equal(v.value?.version, '23.10-rc0~170-g806b14eeb');
  });

  assertNeverThrows('parseShowVersion', parseShowVersion, [vppFixture('vpp2606-show-version.txt')]);
});

describe('detectVppError', () => {
  it('recognises the errors VPP prints in-band', () => {
    assert.equal(
      detectVppError(vppFixture('show-tap.local-vpp-v26.06.tap-plugin-not-loaded-error.txt')),
      "show: unknown input `tap'",
    );
    assert.equal(
      detectVppError("show interface: unknown input `bogus0'\r\n"),
      "show interface: unknown input `bogus0'",
    );
    assert.equal(
      detectVppError("show vxlan tunnel: parse error: 'foo'\r\n"),
      "show vxlan tunnel: parse error: 'foo'",
    );
    assert.equal(
      detectVppError('show bridge-domain: No such bridge domain 99\r\n'),
      'show bridge-domain: No such bridge domain 99',
    );
  });

  it('does not mistake real outputs for errors', () => {
    for (const f of [
      'vpp2606-show-errors.txt',
      'vpp2606-show-interface-addr.txt',
      'vpp2606-show-version.txt',
      'show-tap.meridio-docs.tap3.txt',
    ]) {
      assert.equal(detectVppError(vppFixture(f)), undefined, f);
    }
    assert.equal(detectVppError(''), undefined);
  });
});
