import { SETTINGS } from './settings.ts';

export function helpText(): string {
  const rows = SETTINGS.map((s) => {
    const left = `  --${s.flag}=${s.value}`;
    const def = s.default ? ` (default ${s.default})` : '';
    return `${left.padEnd(44)} ${s.description}${def}\n${''.padEnd(45)}env ${s.env}`;
  });
  return [
    'Usage: meridio-path-exporter [flags]',
    '       meridio-path-exporter path [--vip ADDRESS] [--from POD] [--url URL] [--json] [flags]',
    '',
    'Per-node exporter of the Meridio / NSM traffic path. It needs a source: --vpp-cli-socket, --netns.pods,',
    '--kube.mode, --replay or --demo. Every flag can also be set by its environment variable; flags win.',
    '`path` prints the hops of the traffic path once instead of serving (path --help for its flags).',
    '',
    ...rows,
    '  --help                                      Show this help.',
    '  --version                                   Print the version.',
    '',
  ].join('\n');
}
