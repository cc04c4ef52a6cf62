import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripProvenance } from '../../../src/sources/replay.ts';
import { cleanVppOutput } from '../../../src/sources/vpp-cli/clean-output.ts';

const BANNER =
  '\r\x1b[1m\x1b[31m    _______    _     \x1b[0m   _   _____  ___ \r\n' +
  '\x1b[1m\x1b[31m __/ __/ _ \\  (_)__ \x1b[0m   | | / / _ \\/ _ \\\r\n' +
  '\x1b[1m\x1b[31m _/ _// // / / / _ \\\x1b[0m   | |/ / ___/ ___/\r\n' +
  '\x1b[1m\x1b[31m /_/ /____(_)_/\\___/\x1b[0m   |___/_/  /_/    \r\n\r\n';

describe('cleanVppOutput', () => {
  it('leaves a non-interactive output untouched', () => {
    const text = 'vpp v26.06-release built by root on vm at 2026-11-22T16:42:23\r\n';
    assert.equal(cleanVppOutput(text, 'show version'), text);
  });

  it('removes banner, prompt, command echo and the closing prompt of an interactive session', () => {
    const raw = `${BANNER}vpp# show version\r\nvpp v26.06-release built by root on vm at 2026-11-22T16:42:23\r\nvpp# `;
    assert.equal(
      cleanVppOutput(raw, 'show version').replace(/\r/g, ''),
      'vpp v26.06-release built by root on vm at 2026-11-22T16:42:23\n',
    );
  });

  it('removes the echo seen in v21.01 READMEs (prompt and command on one line)', () => {
    const raw = 'vpp# show interface addr\r\ntap0 (up):\r\n  L2 xconnect tap1\r\nvpp# ';
    assert.equal(
      cleanVppOutput(raw, 'show interface addr').replace(/\r/g, ''),
      'tap0 (up):\n  L2 xconnect tap1\n',
    );
  });
});

describe('stripProvenance', () => {
  it('drops only the leading "# " lines', () => {
    assert.equal(
      stripProvenance('# source: x\n# more\ntap0 (up):\n# not a comment\n'),
      'tap0 (up):\n# not a comment\n',
    );
    assert.equal(stripProvenance('# only comments'), '');
    assert.equal(stripProvenance(''), '');
  });
});
