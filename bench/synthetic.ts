import {
  type SyntheticError,
  type SyntheticInterface,
  seededRandom,
  showErrorsText,
  showInterfaceAddrText,
  showInterfaceText,
} from '../test/support/vpp-format.ts';

/**
 * A forwarder with `n` interfaces in VPP's exact formats: taps xconnected in pairs, typical counters.
 * Another `seed` gives the same interfaces with other counter values.
 */
export function syntheticVpp(n: number, seed = n): Record<string, string> {
  const rnd = seededRandom(seed);
  const interfaces: SyntheticInterface[] = [];
  const blocks: { name: string; up: boolean; lines: string[] }[] = [];
  const taps: string[] = [];
  for (let k = 0; k < n; k++) {
    const name = `tap${k}`;
    const peer = `tap${k % 2 === 0 ? k + 1 : k - 1}`;
    interfaces.push({
      name,
      swIfIndex: k + 1,
      state: 'up',
      mtu: '1500/1500/1500/1500',
      counters: [
        ['rx packets', Math.floor(rnd() * 1e9)],
        ['rx bytes', Math.floor(rnd() * 1e12)],
        ['tx packets', Math.floor(rnd() * 1e9)],
        ['tx bytes', Math.floor(rnd() * 1e12)],
        ['drops', Math.floor(rnd() * 100)],
        ['ip4', Math.floor(rnd() * 1e6)],
        ['ip6', Math.floor(rnd() * 1e6)],
      ],
    });
    blocks.push({ name, up: true, lines: [`L2 xconnect ${peer}`] });
    const mac = (k + 0x100000).toString(16).padStart(6, '0').match(/../g)?.join(':');
    taps.push(
      [
        `Interface: ${name} (ifindex ${k + 1})`,
        `  name "conduit-${k}"`,
        `  host-ns "/proc/1/fd/${k + 10}"`,
        `  host-mac-addr: 02:fe:00:${mac}`,
        '  host-carrier-up: 1',
        `  Mac Address: 02:fe:01:${mac}`,
        '  Number of RX Virtqueue  1',
        '  Number of TX Virtqueue  1',
        '  Virtqueue (RX) 0',
        '    qsz 1024, last_used_idx 6, desc_next 960, desc_in_use 954',
        '  Virtqueue (TX) 1',
        '    qsz 1024, last_used_idx 36, desc_next 37, desc_in_use 1',
      ].join('\r\n'),
    );
  }
  const errors: SyntheticError[] = [];
  for (let k = 0; k < Math.min(n, 400); k++) {
    errors.push({
      count: Math.floor(rnd() * 1e6) + 1,
      node: `node-${k % 40}`,
      reason: `reason number ${k}`,
      severity: 'error',
    });
  }
  return {
    'show interface': showInterfaceText(interfaces),
    'show interface addr': showInterfaceAddrText(blocks),
    'show tap': `${taps.join('\r\n')}\r\n`,
    'show errors': showErrorsText(errors),
    'show version': 'vpp v24.10.0-4-ga9d527a67 built by root on bench at 2025-01-01T00:00:00\r\n',
    'show vxlan tunnel raw': 'No vxlan tunnels configured...\r\n',
  };
}
