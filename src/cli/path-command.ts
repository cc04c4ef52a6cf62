import type { Logger } from 'pino';
import { ConfigError, parseCli } from '../config/config.ts';
import { collectPathOnce } from '../exporter.ts';
import { PATH_SCHEMA_VERSION, type PathGraph } from '../path/graph.ts';
import { formatTrace, traceEgress, traceIngress } from '../path/trace.ts';

const URL_TIMEOUT_MS = 5000;

export const PATH_HELP = `Usage: meridio-path-exporter path [--vip ADDRESS] [--from POD] [--url URL] [--json] [exporter flags]

Prints the hops a packet takes on this node, in the order of the troubleshooting guide:
ingress from each stateless-lb-frontend (or --from POD) to the targets, and egress for each VIP
(or --vip ADDRESS) from its target through the proxy's table to each nexthop.

  --vip ADDRESS   only the egress path of this VIP (e.g. 20.0.0.1)
  --from POD      only the ingress path from this pod
  --url URL       ask a running exporter (URL/api/v1/path) instead of reading now
  --json          print the path graph as JSON instead of the hops

Without --url it reads once with the exporter's own source flags (--vpp-cli-socket PATH, --netns.pods …,
--kube.mode …, --replay DIR, --demo worker-a|worker-b) and serves nothing.

Exit codes: 0 the paths asked for were found and printed; 1 none matched --vip or --from (the VIPs
and pods that exist are listed), or the exporter at --url could not be reached; 2 a bad flag.
`;

interface PathArgs {
  vip?: string;
  from?: string;
  url?: string;
  json: boolean;
  help: boolean;
  rest: string[];
}

export function parsePathArgs(argv: readonly string[]): PathArgs {
  const args: PathArgs = { json: false, help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') ? splitFlag(arg) : [arg, undefined];
    if (name === '--vip' || name === '--from' || name === '--url') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new ConfigError([`${name} needs a value`]);
      args[name.slice(2) as 'vip' | 'from' | 'url'] = value;
    } else if (name === '--json') args.json = true;
    else if (name === '--help' || name === '-h') args.help = true;
    else args.rest.push(arg);
  }
  if (args.url !== undefined && args.rest.length > 0) {
    throw new ConfigError([
      `--url asks a running exporter; these flags would be ignored: ${args.rest.join(' ')}`,
    ]);
  }
  if (args.url !== undefined && !/^https?:\/\/[^\s]+$/.test(args.url)) {
    throw new ConfigError([`--url must be an http(s) URL, got "${args.url}"`]);
  }
  return args;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** Fetch a running exporter's graph; refuses anything that is not this schema. */
export async function fetchGraph(url: string): Promise<PathGraph> {
  const endpoint = `${url.replace(/\/+$/, '')}/api/v1/path`;
  let res: Response;
  try {
    res = await fetch(endpoint, { signal: AbortSignal.timeout(URL_TIMEOUT_MS) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its cause.
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${URL_TIMEOUT_MS} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new PathFetchError(`cannot reach ${endpoint}: ${why}`);
  }
  if (!res.ok)
    throw new Error(`${endpoint} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const graph = (await res.json()) as PathGraph;
  if (graph?.schemaVersion !== PATH_SCHEMA_VERSION) {
    throw new Error(
      `${endpoint} serves path schema ${String(graph?.schemaVersion)}, this command reads ${PATH_SCHEMA_VERSION}`,
    );
  }
  return graph;
}

export class PathFetchError extends Error {
  override name = 'PathFetchError';
}

/** The text the command prints for a graph. */
export function renderPathOutput(graph: PathGraph, args: Pick<PathArgs, 'vip' | 'from' | 'json'>): string {
  if (args.json) return `${JSON.stringify(graph, null, 2)}\n`;
  const paths = tracesOf(graph, args);
  const down = graph.links.filter((l) => l.health.status === 'down');
  const header = `path of ${graph.node}${graph.forwarder ? ` (${graph.forwarder})` : ''} at ${graph.generatedAt}: ${graph.links.length} links, ${down.length} down\n\n`;
  return header + formatTrace(paths);
}

function tracesOf(graph: PathGraph, args: Pick<PathArgs, 'vip' | 'from'>) {
  return [
    ...(args.vip === undefined ? traceIngress(graph, args.from) : []),
    ...(args.from === undefined ? traceEgress(graph, args.vip) : []),
  ];
}

/** When --vip or --from matched nothing: what there is to ask for instead. */
function nothingMatched(graph: PathGraph, args: Pick<PathArgs, 'vip' | 'from'>): string {
  const vips = [...new Set(graph.nodes.flatMap((n) => n.vips ?? []))].sort();
  const pods = graph.pods.map((p) => `${p.pod}${p.role ? ` (${p.role})` : ''}`).sort();
  const asked = args.vip !== undefined ? `VIP ${args.vip}` : `pod ${args.from}`;
  return `no path of ${asked} on ${graph.node}.\nVIPs with a proxy table here: ${vips.join(', ') || 'none'}\npods read here: ${pods.join(', ') || 'none'}\n`;
}

/** `meridio-path-exporter path …`; returns the exit code. */
export async function runPathCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  write: (s: string) => void,
  writeError: (s: string) => void = write,
): Promise<number> {
  const args = parsePathArgs(argv);
  if (args.help) {
    write(PATH_HELP);
    return 0;
  }
  let graph: PathGraph;
  if (args.url !== undefined) {
    try {
      graph = await fetchGraph(args.url);
    } catch (err) {
      if (!(err instanceof PathFetchError)) throw err;
      writeError(`meridio-path-exporter path: ${err.message}\n`);
      return 1;
    }
  } else {
    const request = parseCli(args.rest, env);
    if (request.kind !== 'run') {
      write(PATH_HELP);
      return 0;
    }
    graph = await collectPathOnce(request.config, logger);
  }
  if (
    !args.json &&
    (args.vip !== undefined || args.from !== undefined) &&
    tracesOf(graph, args).length === 0
  ) {
    writeError(nothingMatched(graph, args));
    return 1;
  }
  write(renderPathOutput(graph, args));
  return 0;
}
