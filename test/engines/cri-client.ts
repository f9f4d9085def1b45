// A small CRI v1 client for the tests: the RuntimeService and ImageService
// calls of test/engines/cri.proto over a unix socket, as promises. Messages are
// plain objects with the proto's snake_case field names; enums are their names,
// 64-bit integers are numbers, bytes are Buffers.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { REPO } from '../containerd/lib.js';

const PROTO = join(REPO, 'test/engines/cri.proto');

/** A CRI message as proto-loader gives and takes it. */
export type Message = Record<string, unknown>;

export interface ContainerStatus {
  id: string;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  exit_code: number;
  reason: string;
  message: string;
  log_path: string;
}

export interface PodSandboxStatus {
  id: string;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  network: { ip: string } | null;
  runtime_handler: string;
}

export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

type Unary = (req: Message, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Message) => void) => void;

export class CriClient {
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;

  constructor(socket: string) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
    };
    const address = `unix://${socket}`;
    const creds = grpc.credentials.createInsecure();
    this.runtime = new pkg.runtime.v1.RuntimeService(address, creds);
    this.image = new pkg.runtime.v1.ImageService(address, creds);
  }

  /** One unary call with a deadline; a failure names the method and the daemon's message. */
  call<T = Message>(method: string, req: Message = {}, timeoutMs = 60_000): Promise<T> {
    const client = method === 'ListImages' ? this.image : this.runtime;
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (!fn) throw new Error(`CRI client: no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`));
        else resolve(res as T);
      });
    });
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return (await this.call<{ status: ContainerStatus }>('ContainerStatus', { container_id: id })).status;
  }

  async podStatus(id: string): Promise<PodSandboxStatus> {
    return (await this.call<{ status: PodSandboxStatus }>('PodSandboxStatus', { pod_sandbox_id: id })).status;
  }

  async execSync(id: string, cmd: string[], timeoutS = 30): Promise<ExecSyncResponse> {
    return this.call<ExecSyncResponse>('ExecSync', { container_id: id, cmd, timeout: timeoutS }, (timeoutS + 30) * 1000);
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}
