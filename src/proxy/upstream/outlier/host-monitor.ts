// One host's outlier bookkeeping (Envoy's DetectorHostMonitorImpl): consecutive error counters, the
// two-bucket success-rate accumulators, and ejection history. The router reports into it per request.
import type { HostImpl } from '../host.js';
import { OutlierResult, type HostOutlierMonitor } from '../types.js';
import { EjectionType } from './outlier-stats.js';
import type { OutlierSettings } from './outlier-config.js';

/** Where a monitor sends the errors that reach a threshold. */
export interface ConsecutiveErrorSink {
  onConsecutiveError(host: HostImpl, type: EjectionType): void;
}

/** Requests counted in one interval. */
class Bucket {
  success = 0;
  total = 0;
}

/** A success rate over the last complete interval (Envoy's SuccessRateMonitor + accumulator). */
export class SuccessRateMonitor {
  /** Written to by requests now. */
  current = new Bucket();
  /** The last complete interval, read by the detector. */
  private backup = new Bucket();
  /** The rate /clusters shows; -1 when not computed this interval. */
  successRate = -1;

  constructor(readonly ejectionType: EjectionType) {}

  /** Interval boundary: the current bucket becomes the one read. */
  swap(): void {
    const old = this.backup;
    old.success = 0;
    old.total = 0;
    this.backup = this.current;
    this.current = old;
  }

  /** Success percentage and volume of the last interval; null without requests. */
  rateAndVolume(): [number, number] | null {
    const b = this.backup;
    return b.total === 0 ? null : [(b.success * 100) / b.total, b.total];
  }
}

/** The outlier monitor the detector attaches to each host of its cluster. */
export class DetectorHostMonitor implements HostOutlierMonitor {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  numEjections = 0;
  /** Monotonic ms of the last ejection / unejection; -1 when none. */
  lastEjectionMs = -1;
  lastUnejectionMs = -1;
  /** The multiplier of base_ejection_time for the current ejection; decays while the host behaves. */
  ejectTimeBackoff = 0;
  jitterMs = 0;
  readonly external = new SuccessRateMonitor(EjectionType.SuccessRate);
  readonly local = new SuccessRateMonitor(EjectionType.SuccessRateLocalOrigin);

  constructor(private readonly sink: ConsecutiveErrorSink, readonly host: HostImpl,
    private readonly settings: OutlierSettings) {}

  putHttpResponseCode(code: number): void {
    this.external.current.total++;
    if (code >= 500 && code < 600) {
      const s = this.settings;
      if (code === 502 || code === 503 || code === 504) {
        if (++this.consecutiveGatewayFailure === s.consecutiveGatewayFailure) {
          this.sink.onConsecutiveError(this.host, EjectionType.ConsecutiveGatewayFailure);
        }
      } else {
        this.consecutiveGatewayFailure = 0;
      }
      if (++this.consecutive5xx === s.consecutive5xx) this.sink.onConsecutiveError(this.host, EjectionType.Consecutive5xx);
    } else {
      this.external.current.success++;
      this.consecutive5xx = 0;
      this.consecutiveGatewayFailure = 0;
    }
  }

  putResult(result: OutlierResult, code?: number): void {
    if (this.settings.splitExternalLocalOriginErrors) this.putResultSplit(result);
    else if (code !== undefined) this.putHttpResponseCode(code);
    else {
      const mapped = resultToHttpCode(result);
      if (mapped !== 0) this.putHttpResponseCode(mapped);
    }
  }

  putResponseTime(): void {
    // Envoy records nothing for response times either.
  }

  /** split_external_local_origin_errors: connect-level results have their own counters and rate. */
  private putResultSplit(result: OutlierResult): void {
    switch (result) {
      case OutlierResult.LocalOriginConnectSuccess:
      case OutlierResult.LocalOriginConnectSuccessFinal:
        this.localOriginNoFailure();
        return;
      case OutlierResult.LocalOriginTimeout:
      case OutlierResult.LocalOriginConnectFailed:
        this.localOriginFailure();
        return;
      case OutlierResult.ExtOriginRequestFailed:
        this.putHttpResponseCode(503);
        return;
      case OutlierResult.ExtOriginRequestSuccess:
        this.putHttpResponseCode(200);
        this.localOriginNoFailure();
        return;
    }
  }

  private localOriginFailure(): void {
    this.local.current.total++;
    if (++this.consecutiveLocalOriginFailure === this.settings.consecutiveLocalOriginFailure) {
      this.sink.onConsecutiveError(this.host, EjectionType.ConsecutiveLocalOriginFailure);
    }
  }

  private localOriginNoFailure(): void {
    this.local.current.total++;
    this.local.current.success++;
    this.consecutiveLocalOriginFailure = 0;
  }

  /** The counter an ejection type watches is reset after it triggers. */
  resetCounter(type: EjectionType): void {
    if (type === EjectionType.Consecutive5xx) this.consecutive5xx = 0;
    else if (type === EjectionType.ConsecutiveGatewayFailure) this.consecutiveGatewayFailure = 0;
    else if (type === EjectionType.ConsecutiveLocalOriginFailure) this.consecutiveLocalOriginFailure = 0;
  }

  resetAllCounters(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}

/** Envoy's resultToHttpCode when errors are not split; 0 means "not counted". */
function resultToHttpCode(result: OutlierResult): number {
  switch (result) {
    case OutlierResult.ExtOriginRequestSuccess:
    case OutlierResult.LocalOriginConnectSuccessFinal:
      return 200;
    case OutlierResult.LocalOriginTimeout: return 504;
    case OutlierResult.LocalOriginConnectFailed: return 503;
    case OutlierResult.ExtOriginRequestFailed: return 500;
    default: return 0;
  }
}
