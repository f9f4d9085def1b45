// A Kubernetes node's container side for the CRI end-to-end test: a private
// containerd with its CRI plugin on, runtime handlers "runc" and "tsrunc"
// (io.containerd.runc.v2 with BinaryName), CNI (Debian's containernetworking-plugins)
// with a bridge network of its own that has no address on the host and no
// gateway, so pods reach each other and nothing else, and a locally built pause
// image and busybox image in the k8s.io namespace.
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Containerd, DEFAULT_PATH, REPO, hasCapSysResource, buildBusyboxOciArchive, buildOciArchive, describe, mountsUnder, run, sleepMs, uniqueName,
} from '../containerd/lib.js';
import { CriClient } from './cri-client.js';

export const CNI_BIN = '/usr/lib/cni';
export const PAUSE_IMAGE = 'localhost/tsrunc-e2e/pause:latest';
export const BUSYBOX_IMAGE = 'localhost/tsrunc-e2e/busybox:latest';
/** Pod addresses: only inside the pods' netns, on a bridge without a host address. */
const POD_SUBNET = '10.213.0.0/24';
/** libcni's cache of results, hard-coded in containerd 1.6 (entries are named after the network). */
const CNI_CACHE = '/var/lib/cni/results';

export class CriNode {
  readonly containerd: Containerd;
  readonly runName: string;
  readonly network: string;
  readonly bridge: string;
  client: CriClient | undefined;
  /** libcni makes /var/lib/cni/results on first use; remove it again if it was not there. */
  private readonly hadCniDir = existsSync('/var/lib/cni');

  /** runtimes: handler name -> absolute binary path. */
  constructor(readonly runtimes: Record<string, string>) {
    this.runName = uniqueName('tsrunc-e2e-cri');
    this.network = this.runName;
    // Interface names have at most 15 characters.
    this.bridge = `tsrcri${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`.slice(0, 15);
    this.containerd = new Containerd({
      cri: true,
      namespace: 'k8s.io',
      cgroupName: this.runName,
      extraConfig: (dir) => this.criConfig(dir),
    });
  }

  get dir(): string {
    return this.containerd.dir;
  }

  /** Where the runtime behind a handler keeps its state (the shim appends /k8s.io). */
  runtimeRoot(handler: string): string {
    return this.runtimeRootIn(this.dir, handler);
  }

  /** The cgroup parent of a pod: all of this run's pods under one removable name. */
  cgroupParent(podUid: string): string {
    return `/${this.runName}/pod${podUid}`;
  }

  /** Pod log directories live here. */
  get logDir(): string {
    return join(this.dir, 'pod-logs');
  }

  private criConfig(dir: string): string[] {
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    const lines = [
      `[${cri}]`,
      `  sandbox_image = "${PAUSE_IMAGE}"`,
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      '  enable_selinux = false',
      // Pod netns under our state dir instead of /var/run/netns.
      '  netns_mounts_under_state_dir = true',
      // Without CAP_SYS_RESOURCE (some sandboxes) no runtime can give the pause container its
      // oom_score_adj of -998; this keeps every score at or above containerd's own.
      ...(hasCapSysResource() ? [] : ['  restrict_oom_score_adj = true']),
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
    ];
    for (const [handler, binary] of Object.entries(this.runtimes)) {
      lines.push(
        `[${cri}.containerd.runtimes.${handler}]`,
        '  runtime_type = "io.containerd.runc.v2"',
        `[${cri}.containerd.runtimes.${handler}.options]`,
        `  BinaryName = "${binary}"`,
        `  Root = "${this.runtimeRootIn(dir, handler)}"`,
        '  SystemdCgroup = false',
      );
    }
    lines.push(
      `[${cri}.cni]`,
      `  bin_dir = "${CNI_BIN}"`,
      `  conf_dir = "${join(dir, 'cni-conf')}"`,
      '  max_conf_num = 1',
    );
    return lines;
  }

  private runtimeRootIn(dir: string, handler: string): string {
    return join(dir, `root-${handler}`);
  }

  /**
   * CNI config: containerd adds the loopback plugin itself (lo up in every pod);
   * this conflist adds the bridge. No gateway, no masquerading, no host address.
   */
  private writeCniConfig(): void {
    const confDir = join(this.dir, 'cni-conf');
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, '10-tsrunc-e2e.conflist'), JSON.stringify({
      cniVersion: '0.4.0',
      name: this.network,
      plugins: [{
        type: 'bridge',
        bridge: this.bridge,
        isGateway: false,
        isDefaultGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], routes: [], dataDir: join(this.dir, 'cni-ipam') },
      }],
    }, null, 2));
  }

  /** A one-layer image whose only file is a static pause binary built from test/engines/pause.c. */
  private buildPauseArchive(scratch: string): string {
    const rootfs = join(scratch, 'pause-rootfs');
    mkdirSync(rootfs, { recursive: true });
    const args = ['-static', '-Os', '-Wall', '-Wextra', '-Werror', '-o', join(rootfs, 'pause'), join(REPO, 'test/engines/pause.c')];
    const r = run('cc', args, { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(describe('cc', args, r));
    return buildOciArchive(scratch, { rootfs, config: { Entrypoint: ['/pause'], Env: [DEFAULT_PATH] }, archiveName: 'pause-oci.tar' });
  }

  async start(): Promise<void> {
    this.writeCniConfig();
    mkdirSync(this.logDir, { recursive: true });
    this.containerd.start();
    const scratch = join(this.dir, 'images');
    mkdirSync(scratch);
    for (const [archive, name] of [[this.buildPauseArchive(scratch), PAUSE_IMAGE], [buildBusyboxOciArchive(scratch), BUSYBOX_IMAGE]] as const) {
      this.containerd.ok(['images', 'import', '--base-name', name.replace(/:[^:/]*$/, ''), archive], { timeoutMs: 120_000 });
    }
    rmSync(scratch, { recursive: true, force: true });
    this.client = new CriClient(this.containerd.socket);
    // Ready when the runtime and the network (the CNI config was loaded) say so.
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      try {
        const st = await this.client.call<{ status: { conditions: { type: string; status: boolean; message: string }[] } }>('Status', {}, 5_000);
        const notReady = st.status.conditions.filter((c) => !c.status);
        if (!notReady.length) break;
        last = JSON.stringify(notReady);
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`CRI not ready: ${last}\n${this.containerd.log()}`);
      sleepMs(200);
    }
    const images = await this.client.call<{ images: { repo_tags: string[] }[] }>('ListImages');
    const tags = images.images.flatMap((i) => i.repo_tags);
    for (const want of [PAUSE_IMAGE, BUSYBOX_IMAGE]) {
      if (!tags.includes(want)) throw new Error(`CRI does not list image ${want}; it has: ${tags.join(', ')}`);
    }
  }

  /** Stops and removes every pod (and so its containers) through CRI, as kubelet would. */
  async removeAllPods(): Promise<void> {
    if (!this.client) return;
    const pods = await this.client.call<{ items: { id: string }[] }>('ListPodSandbox');
    for (const p of pods.items) {
      await this.client.call('StopPodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
      await this.client.call('RemovePodSandbox', { pod_sandbox_id: p.id }).catch(() => undefined);
    }
  }

  /** Pod netns mounts and container rootfs mounts still in place. */
  leftoverMounts(): string[] {
    return mountsUnder(join(this.dir, 'state'));
  }

  /** Container state dirs a runtime still has. */
  runtimeState(handler: string): string[] {
    const dir = join(this.runtimeRoot(handler), 'k8s.io');
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  /** Synchronous and idempotent: the daemon, its shims and files, the bridge, CNI cache entries. */
  stop(): void {
    try {
      this.client?.close();
      this.containerd.stop();
    } finally {
      run('ip', ['link', 'del', this.bridge], { timeoutMs: 10_000 });
      if (existsSync(CNI_CACHE)) {
        for (const f of readdirSync(CNI_CACHE)) if (f.startsWith(`${this.network}-`)) rmSync(join(CNI_CACHE, f), { force: true });
      }
      if (!this.hadCniDir) {
        for (const dir of [CNI_CACHE, '/var/lib/cni']) {
          try {
            rmdirSync(dir);
          } catch {
            // not empty (someone else's) or gone
          }
        }
      }
    }
  }
}
