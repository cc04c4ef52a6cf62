import type { DiscoveredPod } from '../../discovery/node-pods.ts';
import type { CommandOutput, VppSource } from '../command-source.ts';
import type { PodTarget } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import { assertAllowedVppCommand, type VppCommand } from '../vpp-commands.ts';
import type { ExecRunner } from './exec-runner.ts';
import { runExecScript } from './exec-script.ts';

/** Where NSM's forwarder starts VPP's CLI socket, inside the forwarder container. */
export const FORWARDER_CLI_SOCKET = '/var/run/vpp/cli.sock';

/**
 * Reads VPP by exec into the forwarder container and running its `vppctl`. The commands a cycle needs
 * go in one exec (`prefetch`); a command asked for later (state re-read after the interface set
 * changed) gets an exec of its own.
 */
export class ExecVppSource implements VppSource {
  readonly kind = 'kube-exec';
  private batch = new Map<VppCommand, CommandOutput | SourceError>();

  constructor(
    private readonly runner: ExecRunner,
    private readonly findForwarder: () => DiscoveredPod | undefined,
    private readonly node: string,
    /** Why the node's pods are not known yet (discovery), so a missing forwarder is not claimed. */
    private readonly notKnownYet?: () => string | undefined,
  ) {}

  get location(): string {
    const f = this.findForwarder();
    return f ? `${f.namespace}/${f.pod}` : `no forwarder on ${this.node}`;
  }

  get forwarder(): string {
    return this.findForwarder()?.pod ?? '';
  }

  /** The forwarder container, where the allowlisted `ip` reads VPP's namespace (NSM's image has it). */
  vppNamespace(): PodTarget | undefined {
    const f = this.findForwarder();
    return f && { namespace: f.namespace, pod: f.pod, container: f.container, role: 'forwarder' };
  }

  async prefetch(commands: readonly VppCommand[], timeoutMs: number): Promise<void> {
    this.batch = new Map();
    if (commands.length === 0) return;
    try {
      const outputs = await this.execute(commands, timeoutMs);
      commands.forEach((c, i) => {
        this.batch.set(c, outputs[i] as CommandOutput | SourceError);
      });
    } catch (err) {
      const e = err instanceof SourceError ? err : new SourceError('io', String(err));
      for (const c of commands) this.batch.set(c, e);
    }
  }

  async run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    assertAllowedVppCommand(command);
    const batched = this.batch.get(command);
    this.batch.delete(command);
    const out = batched ?? (await this.execute([command], timeoutMs))[0];
    if (out instanceof SourceError) throw out;
    return out as CommandOutput;
  }

  private async execute(
    commands: readonly VppCommand[],
    timeoutMs: number,
  ): Promise<(CommandOutput | SourceError)[]> {
    for (const c of commands) assertAllowedVppCommand(c);
    const f = this.findForwarder();
    if (!f)
      throw new SourceError(
        'connect',
        this.notKnownYet?.() ?? `no running forwarder-vpp pod on node ${this.node}`,
      );
    const lines = commands.map((c) => `vppctl -s ${FORWARDER_CLI_SOCKET} ${c}`);
    const parts = await runExecScript(
      this.runner,
      { namespace: f.namespace, pod: f.pod, container: f.container },
      lines,
      timeoutMs,
    );
    return parts.map((p) => {
      if (p.exitCode === 0) return { kind: 'text', text: p.stdout.replace(/\r\n/g, '\n') };
      const message = p.stderr.trim().split('\n')[0]?.slice(0, 300) || `vppctl exit status ${p.exitCode}`;
      return new SourceError(
        /connect|No such file|refused/i.test(message) ? 'connect' : 'command-error',
        message,
      );
    });
  }
}
