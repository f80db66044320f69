// Envoy's PassThroughFilter: every event continues and nothing is held, so a filter overrides only the
// events it acts on (and onDestroy when it holds timers or requests).
import type { HeaderMap, RequestHead, ResponseHead } from '../../http/headers.js';
import { FilterStatus, type StreamDecoderFilter, type StreamEncoderFilter } from './types.js';

export class PassThroughFilter implements StreamDecoderFilter, StreamEncoderFilter {
  decodeHeaders(_head: RequestHead, _endStream: boolean): FilterStatus { return FilterStatus.Continue; }
  decodeData(_chunk: Buffer, _endStream: boolean): FilterStatus { return FilterStatus.Continue; }
  decodeTrailers(_trailers: HeaderMap): FilterStatus { return FilterStatus.Continue; }
  encodeHeaders(_head: ResponseHead, _endStream: boolean): FilterStatus { return FilterStatus.Continue; }
  encodeData(_chunk: Buffer, _endStream: boolean): FilterStatus { return FilterStatus.Continue; }
  encodeTrailers(_trailers: HeaderMap): FilterStatus { return FilterStatus.Continue; }
  onDestroy(): void { /* nothing held */ }
}
