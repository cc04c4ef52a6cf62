import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { V1Node, V1Pod, V1Status } from '@kubernetes/client-node';
import { type WebSocket, WebSocketServer } from 'ws';

/** One exec as the API server received it. */
export interface ExecCall {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  protocol: string;
}

/** How the peer answers an exec: a finished command, a kubelet failure, or misbehaviour. */
export type ExecAnswer =
  | { stdout: string; stderr?: string; exitCode: number }
  /** The runtime could not start the command (kubelet's status with no exit code). */
  | { failure: string }
  /** Never answer (the client's timeout must end it). */
  | { hang: true }
  /** Close the WebSocket without a status. */
  | { closeWithoutStatus: true };

export interface RecordedRequest {
  kind: 'list' | 'watch' | 'exec';
  resource: string;
  query: Record<string, string>;
}

export interface KubeApiPeerOptions {
  pods: V1Pod[];
  nodes: V1Node[];
  exec: (call: ExecCall) => Promise<ExecAnswer>;
  /** Subprotocols the server accepts, in its order of preference. */
  protocols?: string[];
}

interface Watcher {
  resource: 'pods' | 'nodes';
  node?: string;
  res: ServerResponse;
}

interface Event {
  rv: number;
  resource: 'pods' | 'nodes';
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: V1Pod | V1Node;
}

/**
 * A Kubernetes API server for tests, speaking what @kubernetes/client-node uses: list and watch of
 * pods (with `fieldSelector=spec.nodeName=…`) and nodes as JSON, watch events as newline-separated
 * JSON over a chunked response resumable from a resourceVersion, and pod exec over WebSocket with the
 * `v5.channel.k8s.io`/`v4.channel.k8s.io` subprotocols (stdout 1, stderr 2, status 3).
 *
 * What the product does against a real API server, kubelet and RBAC (watches resumed after a restart,
 * forbidden lists and execs, Meridio's CRDs present or absent) is tested on a real node
 * (test/e2e/cluster.test.ts). This peer is kept for what those cannot be made to do on demand: lists
 * failing with a 5xx, an exec that hangs or closes without its status, a server offering only the v4
 * subprotocol, pods on other nodes, and the integration suites that run without the cluster parts.
 */
export class KubeApiPeer {
  readonly requests: RecordedRequest[] = [];
  readonly execs: ExecCall[] = [];
  private server?: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private readonly events: Event[] = [];
  private rv = 100;
  private pods = new Map<string, V1Pod>();
  private nodes = new Map<string, V1Node>();
  /** The next N list requests answer this HTTP status. */
  private failingLists: { count: number; status: number } = { count: 0, status: 500 };

  constructor(private readonly options: KubeApiPeerOptions) {
    for (const p of options.pods) this.pods.set(podKey(p), this.stamp(p));
    for (const n of options.nodes) this.nodes.set(n.metadata?.name ?? '', this.stamp(n));
    const protocols = options.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false,
    });
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A kubeconfig for this peer (plain HTTP, a token the peer ignores). */
  kubeconfig(url: string): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: peer\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: agent\n  user:\n    token: test-token',
      'contexts:',
      '- name: peer\n  context:\n    cluster: peer\n    user: agent',
      'current-context: peer',
      '',
    ].join('\n');
  }

  addPod(pod: V1Pod): void {
    const stamped = this.stamp(pod);
    const existed = this.pods.has(podKey(pod));
    this.pods.set(podKey(pod), stamped);
    this.emit({ rv: this.rv, resource: 'pods', type: existed ? 'MODIFIED' : 'ADDED', object: stamped });
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) return;
    this.pods.delete(key);
    const stamped = this.stamp(pod);
    this.emit({ rv: this.rv, resource: 'pods', type: 'DELETED', object: stamped });
  }

  failNextLists(count: number, status = 500): void {
    this.failingLists = { count, status };
  }

  count(kind: RecordedRequest['kind'], resource?: string): number {
    return this.requests.filter((r) => r.kind === kind && (resource === undefined || r.resource === resource))
      .length;
  }

  private stamp<T extends V1Pod | V1Node>(o: T): T {
    this.rv++;
    return { ...o, metadata: { ...o.metadata, resourceVersion: String(this.rv) } };
  }

  private emit(e: Event): void {
    this.events.push(e);
    for (const w of this.watchers) if (matches(w, e)) writeEvent(w.res, e);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://peer');
    const query = Object.fromEntries(url.searchParams);
    const resource =
      url.pathname === '/api/v1/pods' ? 'pods' : url.pathname === '/api/v1/nodes' ? 'nodes' : undefined;
    if (req.method !== 'GET' || !resource) {
      // Anything else is not served, as Meridio's resources in a cluster without its CRDs.
      const kind = query.watch === 'true' ? 'watch' : 'list';
      this.requests.push({ kind, resource: url.pathname.split('/').pop() ?? '', query });
      sendStatus(res, 404, 'NotFound', `no route ${req.method} ${url.pathname}`);
      return;
    }
    let node: string | undefined;
    if (query.fieldSelector) {
      const m = /^spec\.nodeName=([a-z0-9.-]+)$/.exec(query.fieldSelector);
      if (!m || resource !== 'pods') {
        sendStatus(res, 400, 'BadRequest', `unsupported field selector ${query.fieldSelector}`);
        return;
      }
      node = m[1];
    }
    const watch = query.watch === 'true';
    this.requests.push({ kind: watch ? 'watch' : 'list', resource, query });
    if (!watch) {
      if (this.failingLists.count > 0) {
        this.failingLists.count--;
        sendStatus(res, this.failingLists.status, 'InternalError', 'the peer was told to fail this list');
        return;
      }
      const items =
        resource === 'pods'
          ? [...this.pods.values()].filter((p) => !node || p.spec?.nodeName === node)
          : [...this.nodes.values()];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: resource === 'pods' ? 'PodList' : 'NodeList',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(this.rv) },
          items,
        }),
      );
      return;
    }
    const watcher: Watcher = { resource, res, ...(node && { node }) };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const since = Number(query.resourceVersion ?? '0');
    for (const e of this.events) if (e.rv > since && matches(watcher, e)) writeEvent(res, e);
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://peer');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const refuse = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    };
    if (!m) {
      refuse(404, 'Not Found');
      return;
    }
    const [, namespace, pod] = m as unknown as [string, string, string];
    const command = url.searchParams.getAll('command');
    const container = url.searchParams.get('container') ?? '';
    this.requests.push({
      kind: 'exec',
      resource: `${namespace}/${pod}`,
      query: Object.fromEntries(url.searchParams),
    });
    const target = this.pods.get(`${namespace}/${pod}`);
    if (!target) {
      refuse(404, 'Not Found');
      return;
    }
    if (!target.spec?.containers.some((c) => c.name === container)) {
      refuse(400, 'Bad Request');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const call: ExecCall = { namespace, pod, container, command, protocol: ws.protocol };
      this.execs.push(call);
      void this.answer(ws, call);
    });
  }

  private async answer(ws: WebSocket, call: ExecCall): Promise<void> {
    const answer = await this.options.exec(call);
    if ('hang' in answer) return;
    if ('closeWithoutStatus' in answer) {
      ws.close();
      return;
    }
    if ('failure' in answer) {
      sendFrame(
        ws,
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message: answer.failure,
          reason: 'InternalError',
          code: 500,
        }),
      );
      ws.close();
      return;
    }
    // Output in several frames, as the kubelet streams it.
    const out = Buffer.from(answer.stdout);
    for (let i = 0; i < out.length; i += 16 * 1024) sendFrame(ws, 1, out.subarray(i, i + 16 * 1024));
    if (answer.stderr) sendFrame(ws, 2, Buffer.from(answer.stderr));
    const status: V1Status =
      answer.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${call.command.join(' ')}], exit code ${answer.exitCode}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(answer.exitCode) }] },
          };
    sendFrame(ws, 3, JSON.stringify(status));
    ws.close();
  }
}

function sendFrame(ws: WebSocket, channel: number, data: Buffer | string): void {
  ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));
}

function matches(w: Watcher, e: Event): boolean {
  if (w.resource !== e.resource) return false;
  return !w.node || (e.object as V1Pod).spec?.nodeName === w.node;
}

function writeEvent(res: ServerResponse, e: Event): void {
  res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}

function podKey(p: V1Pod): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}
