// tcp_health_check: connects (and writes `send`); with no `receive` a successful connect passes and
// the connection is closed, otherwise the bytes read must contain every `receive` segment in order.
// An unexpected close is a network failure, as in Envoy.
import { connect, type Socket } from 'node:net';
import type { HostImpl } from '../host.js';
import type { TcpCheckSettings } from './health-check-config.js';
import { FailureType, HealthCheckSession, type HealthChecker } from './health-checker.js';
import { payloadMatches } from './payload-match.js';

const EMPTY = Buffer.alloc(0);

/** One host's TCP health checks. */
export class TcpHealthCheckSession extends HealthCheckSession {
  private socket: Socket | null = null;
  private received: Buffer = EMPTY;
  /** The next close is ours (check done, timeout, stop): not a failure. */
  private expectClose = false;
  private connectTimer: NodeJS.Timeout | null = null;

  constructor(parent: HealthChecker, host: HostImpl, private readonly cfg: TcpCheckSettings) {
    super(parent, host);
  }

  protected onInterval(): void {
    if (this.socket === null) this.connect();
    if (this.cfg.send !== null) this.socket!.write(this.cfg.send);
  }

  private connect(): void {
    const socket = connect({ host: this.host.address, port: this.port, noDelay: true });
    this.socket = socket;
    this.expectClose = false;
    this.received = EMPTY;
    socket.on('error', () => {
      // Reported through 'close'.
    });
    socket.once('connect', () => {
      this.clearConnectTimer();
      if (this.socket !== socket || this.cfg.receive.length > 0) return;
      // Only testing that we can connect: pass and close.
      this.expectClose = true;
      this.closeSocket();
      this.handleSuccess(false);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      if (!payloadMatches(this.cfg.receive, this.received)) return;
      this.received = EMPTY;
      if (!this.parent.settings.reuseConnection) {
        this.expectClose = true;
        this.closeSocket();
      }
      this.handleSuccess(false);
    });
    socket.once('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearConnectTimer();
      if (!this.expectClose) this.handleFailure(FailureType.Network, false);
    });
    const ms = this.parent.owner.connectTimeoutMs;
    if (ms > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = null;
        if (this.socket === socket && socket.connecting) socket.destroy();
      }, ms);
      this.connectTimer.unref();
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private closeSocket(): void {
    const s = this.socket;
    this.socket = null;
    this.clearConnectTimer();
    s?.destroy();
  }

  protected onTimeout(): void {
    this.expectClose = true;
    this.closeSocket();
  }

  protected onStop(): void {
    this.expectClose = true;
    this.closeSocket();
  }
}
