import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShowErrors } from '../../../src/parsers/vpp/show-errors.ts';
import { vppFixture } from '../../support/fixtures.ts';
import { showErrorsText } from '../../support/vpp-format.ts';
import { assertNeverThrows } from './never-throws.ts';

const find = (rows: ReturnType<typeof parseShowErrors>['value'], node: string, reason: string) =>
  rows.find((r) => r.node === node && r.reason === reason);

describe('parseShowErrors', () => {
  it('reads v26.06 output in its fixed columns and reports reasons VPP cut at 35 characters', () => {
    const { value, report } = parseShowErrors(vppFixture('vpp2606-show-errors.txt'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(find(value, 'null-node', 'blackholed packets'), {
      node: 'null-node',
      reason: 'blackholed packets',
      severity: 'error',
      count: 12,
    });
    assert.equal(find(value, 'arp-reply', 'ARP request IP4 source address lear')?.count, 2);
    assert.ok(
      report.truncated.some((t) => t.field === 'error_reason' && t.value.startsWith('ARP request IP4')),
    );
  });

  it('sums the rows VPP repeats once per worker thread', () => {
    const text = showErrorsText([
      { count: 2, node: 'ip4-arp', reason: 'ARP requests sent', severity: 'info' },
      { count: 5, node: 'ethernet-input', reason: 'l3 mac mismatch', severity: 'error' },
      { count: 1, node: 'ip4-arp', reason: 'ARP requests sent', severity: 'info' },
    ]);
    const { value } = parseShowErrors(text);
    assert.equal(find(value, 'ip4-arp', 'ARP requests sent')?.count, 3);
    assert.equal(value.length, 2);
  });

  it('reads whitespace-compressed doc output by tokens', () => {
    const { value, report } = parseShowErrors(
      vppFixture('show-errors.calico-vpp-docs.whitespace-compressed.txt'),
    );
    assert.equal(report.unparsedLines, 0, JSON.stringify(report.firstUnparsed));
    assert.equal(find(value, 'acl-plugin-out-ip4-fa', 'new sessions added')?.count, 11028);
    assert.equal(find(value, 'ip6-icmp-input', 'neighbor solicitations for unknown')?.severity, 'error');
  });

  it('reads the pre-v21.01 layout without severity', () => {
    const { value } = parseShowErrors(
      '   Count                    Node                  Reason\r\n         7            ip4-input              ip4 ttl <= 1\r\n',
    );
    assert.deepEqual(value, [{ node: 'ip4-input', reason: 'ip4 ttl <= 1', count: 7 }]);
  });

  it('leaves out a 10-digit count VPP may have cut, and reports it', () => {
    const { value, report } = parseShowErrors(
      showErrorsText([
        { count: 1234567890123, node: 'ip4-input', reason: 'valid ip4 packets', severity: 'info' },
      ]),
    );
    assert.equal(value.length, 0);
    assert.equal(report.truncated[0]?.field, 'error_count');
  });

  it('reads the header alone (every counter zero) as no rows', () => {
    assert.deepEqual(parseShowErrors(showErrorsText([])).value, []);
  });

  assertNeverThrows('parseShowErrors', parseShowErrors, [vppFixture('vpp2606-show-errors.txt')]);
});
