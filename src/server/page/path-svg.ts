import type { PathGraph, PathLink, PathNode, PathPod, Traffic } from '../../path/graph.ts';

/**
 * Draws a node's path as SVG, after the guide's pictures: the pods in a row at the top with their
 * interfaces as ports on the bottom edge, VPP across the middle with its taps under the ports they
 * serve and cross-connects drawn inside it, tunnels leaving VPP's bottom edge to the remote nodes.
 * Routing (VIP table nexthops) and the bridge's FDB are written inside the pod that holds them.
 * Every drawn link is a `<g class="link <status>" data-link-id data-type>`; unhealthy links are red.
 */

const POD_Y = 60;
const PORT_W = 150;
const PORT_H = 46;
const ROW_H = 16;
const GAP = 30;
const VPP_GAP = 70;
const VPP_H = 90;
const REMOTE_GAP = 70;
const REMOTE_H = 44;
const MARGIN = 20;

const ROLE_ORDER = ['stateless-lb-frontend', 'frontend', 'proxy', 'target'];

interface PodBox {
  pod: PathPod;
  key: string;
  x: number;
  width: number;
  height: number;
  ports: PathNode[];
  bridges: PathNode[];
  members: PathLink[];
  rows: PathLink[];
}

export function renderPathSvg(graph: PathGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const linksOf = (type: PathLink['type']) => graph.links.filter((l) => l.type === type);
  const bridgeIds = new Set(linksOf('bridge-member').map((l) => l.to));

  // Pods, with the ports the path uses and the rows (nexthops, FDB) they hold.
  const podKey = (ns: string | undefined, pod: string | undefined) => `${ns}/${pod}`;
  const pods = [...graph.pods].sort(
    (a, b) =>
      rank(a.role) - rank(b.role) || a.pod.localeCompare(b.pod) || a.namespace.localeCompare(b.namespace),
  );
  const boxes: PodBox[] = [];
  const ghostPorts: PathNode[] = [];
  let x = MARGIN;
  for (const pod of pods) {
    const key = podKey(pod.namespace, pod.pod);
    const own = graph.nodes.filter((n) => n.kind === 'pod-interface' && podKey(n.namespace, n.pod) === key);
    const ports = own.filter((n) => !bridgeIds.has(n.id)).sort((a, b) => a.title.localeCompare(b.title));
    const bridges = own.filter((n) => bridgeIds.has(n.id));
    const members = linksOf('bridge-member').filter((l) => own.some((n) => n.id === l.from));
    const rows = graph.links.filter((l) => {
      const from = nodes.get(l.from);
      if (l.type !== 'nexthop' && l.type !== 'fdb' && l.type !== 'vip') return false;
      if (podKey(from?.namespace, from?.pod) === key) return true;
      // A VIP the trench declares belongs to the proxy that must route it.
      const to = nodes.get(l.to);
      return l.type === 'vip' && from?.kind === 'remote-endpoint' && podKey(to?.namespace, to?.pod) === key;
    });
    const width = Math.max(1, ports.length) * PORT_W + 20;
    const textWidth = Math.max(
      pod.pod.length * 7.5 + 20,
      ...rows.map((r) => rowText(r, nodes).length * 6.8 + 24),
    );
    const box: PodBox = {
      pod,
      key,
      x,
      width: Math.max(width, textWidth, 220),
      height: 60 + rows.length * ROW_H + bridges.length * 24 + PORT_H + 6,
      ports,
      bridges,
      members,
      rows,
    };
    boxes.push(box);
    x += box.width + GAP;
  }
  // Pod interfaces a tap expects but no pod shows: drawn as ghost ports after the pods.
  for (const l of linksOf('tap-peer')) {
    const to = nodes.get(l.to);
    if (to && to.presence !== 'present') ghostPorts.push(to);
  }
  const podRowH = Math.max(PORT_H + 60, ...boxes.map((b) => b.height));
  const portPos = new Map<string, { x: number; y: number }>();
  for (const b of boxes) {
    b.ports.forEach((p, i) => {
      portPos.set(p.id, { x: b.x + 10 + i * PORT_W + PORT_W / 2, y: POD_Y + podRowH });
    });
  }
  ghostPorts.forEach((g) => {
    portPos.set(g.id, { x: x + PORT_W / 2, y: POD_Y + podRowH });
    x += PORT_W + GAP;
  });

  // VPP interfaces: under their pod port when they have one, else in free slots to the right.
  const vppY = POD_Y + podRowH + VPP_GAP;
  const vppPos = new Map<string, { x: number; y: number }>();
  for (const l of linksOf('tap-peer')) {
    const port = portPos.get(l.to);
    if (port) vppPos.set(l.from, { x: port.x, y: vppY });
  }
  let freeX = Math.max(x, MARGIN + PORT_W / 2);
  const vppNodes = graph.nodes.filter((n) => n.kind === 'vpp-interface');
  for (const n of vppNodes) {
    if (vppPos.has(n.id)) continue;
    const onBottom = n.interfaceKind === 'vxlan';
    vppPos.set(n.id, { x: freeX + PORT_W / 2, y: onBottom ? vppY + VPP_H : vppY });
    freeX += PORT_W + GAP;
  }
  // Room on the right for the tunnel labels.
  const width = Math.max(x, freeX) + MARGIN + (linksOf('vxlan').length > 0 ? PORT_W : 0);
  const remoteY = vppY + VPP_H + REMOTE_GAP;
  const remotes = graph.nodes.filter((n) => n.kind === 'remote-node');
  const remotePos = new Map<string, { x: number; y: number }>();
  for (const l of linksOf('vxlan')) {
    const from = vppPos.get(l.from);
    if (from && !remotePos.has(l.to)) remotePos.set(l.to, { x: from.x, y: remoteY });
  }
  const height = remoteY + (remotes.length > 0 ? REMOTE_H + 40 : 0) + MARGIN;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="path-diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" data-generated-at="${esc(graph.generatedAt)}">`,
    `<style>${SVG_STYLE}</style>`,
    `<text x="${MARGIN}" y="24" class="heading">${esc(`${graph.node}${graph.forwarder ? ` — ${graph.forwarder}` : ''}`)}</text>`,
    `<text x="${MARGIN}" y="42" class="small">${esc(summary(graph))}</text>`,
  );
  for (const b of boxes) out.push(podBox(b, POD_Y, podRowH, nodes, portPos));
  for (const g of ghostPorts) {
    const p = portPos.get(g.id);
    if (p) out.push(port(g, p.x, p.y, true));
  }
  out.push(
    `<g class="vpp" data-forwarder="${esc(graph.forwarder ?? '')}"><rect class="vpp-box" x="${MARGIN}" y="${vppY}" width="${width - 2 * MARGIN}" height="${VPP_H}" rx="8"/>`,
    `<text x="${MARGIN + 10}" y="${vppY + VPP_H - 10}" class="title">VPP ${esc(graph.forwarder ?? '')}</text><text x="${MARGIN + 10}" y="${vppY + VPP_H + 14}" class="small">curves inside VPP: L2 cross-connects</text></g>`,
  );
  for (const l of linksOf('tap-peer')) {
    const a = portPos.get(l.to);
    const b = vppPos.get(l.from);
    if (a && b) out.push(linkGroup(l, `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}"/>`, nodes));
  }
  for (const l of linksOf('xconnect')) {
    const a = vppPos.get(l.from);
    const b = vppPos.get(l.to);
    if (!a || !b) continue;
    const ya = a.y === vppY ? a.y + 14 : a.y - 14;
    const yb = b.y === vppY ? b.y + 14 : b.y - 14;
    const mid = vppY + VPP_H / 2 + 10;
    out.push(linkGroup(l, `<path d="M ${a.x} ${ya} C ${a.x} ${mid}, ${b.x} ${mid}, ${b.x} ${yb}"/>`, nodes));
  }
  for (const l of linksOf('vxlan')) {
    const a = vppPos.get(l.from);
    const b = remotePos.get(l.to);
    if (!a || !b) continue;
    out.push(
      linkGroup(
        l,
        `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}"/><text x="${a.x + 6}" y="${(a.y + b.y) / 2}" class="small">VNI ${esc(String(l.details.vni ?? ''))} → ${esc(String(l.details.dst ?? ''))}</text>`,
        nodes,
      ),
    );
  }
  for (const n of vppNodes) {
    const p = vppPos.get(n.id);
    if (p) out.push(vppPort(n, p.x, p.y, p.y !== vppY));
  }
  for (const r of remotes) {
    const p = remotePos.get(r.id);
    if (!p) continue;
    out.push(
      `<g class="remote-node ${r.presence}" data-node-id="${esc(r.id)}"><rect x="${p.x - PORT_W / 2}" y="${p.y}" width="${PORT_W}" height="${REMOTE_H}" rx="6"/>`,
      `<text x="${p.x}" y="${p.y + 18}" text-anchor="middle" class="title">${esc(r.nodeName ?? r.title)}</text>`,
      `<text x="${p.x}" y="${p.y + 34}" text-anchor="middle" class="small">${esc(r.presence === 'present' ? (r.address ?? '') : `${r.presence}: ${r.note ?? ''}`)}</text></g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function podBox(
  b: PodBox,
  y: number,
  rowH: number,
  nodes: ReadonlyMap<string, PathNode>,
  portPos: ReadonlyMap<string, { x: number; y: number }>,
): string {
  const out: string[] = [];
  const boxY = y + rowH - b.height;
  out.push(
    `<g class="pod${b.pod.read ? '' : ' unread'}" data-pod="${esc(b.key)}" data-role="${esc(b.pod.role ?? '')}">`,
    `<rect class="pod-box" x="${b.x}" y="${boxY}" width="${b.width}" height="${b.height}" rx="8"/>`,
    `<text x="${b.x + 10}" y="${boxY + 20}" class="title">${esc(b.pod.pod)}</text>`,
    `<text x="${b.x + 10}" y="${boxY + 36}" class="small">${esc(`${b.pod.namespace} · ${b.pod.role ?? 'unknown role'}${b.pod.read ? '' : ' · could not be read'}`)}</text>`,
  );
  let rowY = boxY + 56;
  for (const row of b.rows) {
    out.push(
      linkGroup(
        row,
        `<text x="${b.x + 10}" y="${rowY}" class="row">${esc(rowText(row, nodes))}</text>`,
        nodes,
      ),
    );
    rowY += ROW_H;
  }
  // Bridges sit just above the ports, so member lines do not cross the rows.
  b.bridges.forEach((bridge, i) => {
    const xs = b.ports.map((p) => portPos.get(p.id)?.x ?? b.x);
    const x1 = Math.min(b.x + 10, ...xs);
    const x2 = Math.max(b.x + b.width - 10, ...xs);
    const barY = y + rowH - PORT_H - 18 - i * 24;
    out.push(
      `<g class="bridge" data-node-id="${esc(bridge.id)}"><rect x="${x1}" y="${barY - 8}" width="${x2 - x1}" height="16" rx="4"/><text x="${x1 + 6}" y="${barY + 4}" class="small">${esc(`${bridge.interface ?? ''} ${(bridge.addresses ?? []).join(' ')}`)}</text></g>`,
    );
    for (const l of b.members.filter((m) => m.to === bridge.id)) {
      const p = portPos.get(l.from);
      if (p) {
        out.push(
          linkGroup(l, `<line x1="${p.x}" y1="${p.y - PORT_H}" x2="${p.x}" y2="${barY + 8}"/>`, nodes),
        );
      }
    }
  });
  // A member whose bridge is missing: a short line up from the port, labelled with the missing bridge.
  for (const l of b.members.filter((m) => !b.bridges.some((br) => br.id === m.to))) {
    const p = portPos.get(l.from);
    if (p) {
      const top = p.y - PORT_H;
      out.push(
        linkGroup(
          l,
          `<line x1="${p.x}" y1="${top}" x2="${p.x}" y2="${top - 14}"/><text x="${p.x + 4}" y="${top - 6}" class="small">${esc(nodes.get(l.to)?.title ?? '')} missing</text>`,
          nodes,
        ),
      );
    }
  }
  out.push('</g>');
  for (const p of b.ports) {
    const pos = portPos.get(p.id);
    if (pos) out.push(port(p, pos.x, pos.y, false));
  }
  return out.join('\n');
}

function port(n: PathNode, cx: number, bottom: number, ghost: boolean): string {
  const x = cx - PORT_W / 2 + 6;
  const y = bottom - PORT_H;
  const lines = [n.interface ?? n.title, n.mac ?? '', trafficText(n.traffic)];
  return [
    `<g class="port ${n.presence}${ghost ? ' ghost' : ''}${healthClass(n)}" data-node-id="${esc(n.id)}">`,
    `<rect x="${x}" y="${y}" width="${PORT_W - 12}" height="${PORT_H}" rx="4"/>`,
    ...lines.map(
      (t, i) =>
        `<text x="${cx}" y="${y + 14 + i * 13}" text-anchor="middle" class="${i === 0 ? 'name' : 'small'}">${esc(t)}</text>`,
    ),
    ghost ? `<title>${esc(n.note ?? '')}</title>` : '',
    '</g>',
  ].join('');
}

function vppPort(n: PathNode, cx: number, y: number, bottom: boolean): string {
  const h = 28;
  const top = bottom ? y - h / 2 : y - h / 2;
  return [
    `<g class="vpp-port ${n.presence}${healthClass(n)}" data-node-id="${esc(n.id)}">`,
    `<rect x="${cx - PORT_W / 2 + 6}" y="${top}" width="${PORT_W - 12}" height="${h}" rx="4"/>`,
    `<text x="${cx}" y="${top + 12}" text-anchor="middle" class="name">${esc(n.title)}</text>`,
    `<text x="${cx}" y="${top + 24}" text-anchor="middle" class="small">${esc(trafficText(n.traffic))}</text>`,
    '</g>',
  ].join('');
}

function linkGroup(l: PathLink, shape: string, nodes: ReadonlyMap<string, PathNode>): string {
  const classes = ['link', l.health.status];
  if (l.health.dropsIncreased) classes.push('dropping');
  if (l.health.moving) classes.push('moving');
  const tip = [
    `${l.type}: ${nodes.get(l.from)?.title ?? l.from} → ${nodes.get(l.to)?.title ?? l.to}`,
    l.evidence.length > 0 ? `matched by ${l.evidence.join(', ')}` : '',
    ...l.health.problems,
  ].filter((s) => s !== '');
  return `<g class="${classes.join(' ')}" data-link-id="${esc(l.id)}" data-type="${l.type}"><title>${esc(tip.join('\n'))}</title>${shape}</g>`;
}

function rowText(l: PathLink, nodes: ReadonlyMap<string, PathNode>): string {
  const to = nodes.get(l.to);
  const where = to ? (to.presence === 'present' ? to.title : `${to.title} (${to.presence})`) : l.to;
  const bad = l.health.status === 'down' ? ` ✗ ${l.health.problems.join('; ')}` : '';
  if (l.type === 'nexthop') {
    const vips = l.details.vips ? ` from ${l.details.vips}` : '';
    const via = l.details.via ? ` via ${l.details.via}` : '';
    const state = l.details.neighbourState ? ` ${l.details.neighbourState}` : '';
    return `table ${l.details.table}${vips}${via} → ${where}${state}${bad}`;
  }
  const port = nodes.get(l.from)?.interface ?? '';
  if (l.type === 'vip') return `VIP ${l.details.vip} on ${port} → ${where}${bad}`;
  return `fdb ${l.details.mac} on ${port} → ${where}${bad}`;
}

function healthClass(n: PathNode): string {
  if (n.presence !== 'present') return ' bad';
  return n.adminUp === false || n.carrierUp === false ? ' bad' : '';
}

function trafficText(t: Traffic | undefined): string {
  if (!t) return '';
  const parts: string[] = [];
  if (t.rxPackets !== undefined) parts.push(`rx ${t.rxPackets}`);
  if (t.txPackets !== undefined) parts.push(`tx ${t.txPackets}`);
  if (t.drops !== undefined && t.drops > 0) parts.push(`drops ${t.drops}`);
  return parts.join(' · ');
}

function summary(g: PathGraph): string {
  const down = g.links.filter((l) => l.health.status === 'down').length;
  const unknown = g.links.filter((l) => l.health.status === 'unknown').length;
  const parts = [`${g.links.length} links`, `${down} down`];
  if (unknown > 0) parts.push(`${unknown} unknown`);
  if (!g.complete.vpp) parts.push('VPP not fully read');
  if (!g.complete.pods) parts.push('some pods not read');
  parts.push(`at ${g.generatedAt}`);
  return parts.join(' · ');
}

function rank(role: string | undefined): number {
  const i = ROLE_ORDER.indexOf(role ?? '');
  return i === -1 ? ROLE_ORDER.length : i;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SVG_STYLE = `
text { font-family: system-ui, sans-serif; font-size: 12px; fill: #222; }
.heading { font-size: 16px; font-weight: 600; }
.title { font-weight: 600; }
.small { font-size: 10px; fill: #555; }
.name { font-size: 11px; font-weight: 600; }
.pod-box { fill: #eef4fb; stroke: #5a7fa8; stroke-width: 1.5; }
.pod.unread .pod-box { stroke: #d32f2f; stroke-dasharray: 5 3; }
.vpp-box { fill: #fdf3e6; stroke: #b97a1f; stroke-width: 1.5; }
.port rect, .vpp-port rect { fill: #fff; stroke: #333; }
.port.ghost rect { stroke-dasharray: 4 3; }
.port.bad rect, .vpp-port.bad rect { stroke: #d32f2f; fill: #fdecea; }
.bridge rect { fill: #dfe9d8; stroke: #5b8a3c; }
.remote-node rect { fill: #f1f1f1; stroke: #555; }
.remote-node.missing rect { stroke: #d32f2f; fill: #fdecea; }
.link line, .link path { stroke: #2e7d32; stroke-width: 2.5; fill: none; }
.link.unknown line, .link.unknown path { stroke: #9e9e9e; stroke-dasharray: 4 3; }
.link.down line, .link.down path { stroke: #d32f2f; stroke-width: 3; }
.link.dropping line, .link.dropping path { stroke-dasharray: 8 3; }
.link.down text { fill: #d32f2f; font-weight: 600; }
.link.unknown text { fill: #777; }
.row { font-family: ui-monospace, monospace; font-size: 11px; }
`;
