// Writes xDS responses without a per-stream copy of their resources: the gRPC message is written
// as chunks, the 5-byte gRPC prefix with the response's own fields, then the shared resource
// buffers (response-encoding.ts), so every stream's queued write references the same buffers.
// grpc-js (1.10+) serializes a message into one new buffer per stream (its serializeMessage copies
// what the method's serializer returns behind the prefix); this module hooks its server call for
// the methods whose serializer is one of the two below and for nothing else. When the grpc-js
// internals it relies on are missing, it installs nothing and responses take the copying path.
import { createRequire } from 'node:module';
import type { DeltaDiscoveryResponse, DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  deltaResponseParts, discoveryResponseParts, encodeDeltaDiscoveryResponse, encodeDiscoveryResponse,
} from './response-encoding.js';

/** The serializer of DiscoveryResponse methods; the hook recognizes their calls by it. */
export function serializeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  return encodeDiscoveryResponse(m);
}

/** The serializer of DeltaDiscoveryResponse methods; the hook recognizes their calls by it. */
export function serializeDeltaDiscoveryResponse(m: DeltaDiscoveryResponse): Buffer {
  return encodeDeltaDiscoveryResponse(m);
}

type Write = (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean;
interface ServerCall {
  handler?: { serialize?: unknown };
  stream?: { write: Write };
  serializeMessage(value: unknown): Buffer;
  sendMessage(message: unknown, callback: () => void): void;
}

/** The grpc-js server call's prototype, if this grpc-js has the shape the hook expects. */
function serverCallPrototype(): ServerCall | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@grpc/grpc-js/build/src/server-interceptors.js') as { BaseServerInterceptingCall?: { prototype: ServerCall } };
    const proto = mod.BaseServerInterceptingCall?.prototype;
    return typeof proto?.sendMessage === 'function' && typeof proto.serializeMessage === 'function' ? proto : undefined;
  } catch {
    return undefined;
  }
}

function partsOf(serialize: unknown, message: unknown): { own: Buffer; shared: Buffer[] } | undefined {
  if (serialize === serializeDiscoveryResponse) return discoveryResponseParts(message as DiscoveryResponse);
  if (serialize === serializeDeltaDiscoveryResponse) return deltaResponseParts(message as DeltaDiscoveryResponse);
  return undefined;
}

let installed = false;

/** Installs the hook once (idempotent); true when responses now share their resource buffers. */
export function installSharedFrames(): boolean {
  if (installed) return true;
  const proto = serverCallPrototype();
  if (proto === undefined) return false;
  const sendMessage = proto.sendMessage;
  proto.sendMessage = function (this: ServerCall, message: unknown, callback: () => void): void {
    const stream = this.stream;
    const parts = stream === undefined ? undefined : partsOf(this.handler?.serialize, message);
    if (stream === undefined || parts === undefined || parts.shared.length === 0) return sendMessage.call(this, message, callback);
    const { own, shared } = parts;
    // gRPC's length prefix (uncompressed) counts every part; grpc-js writes what serializeMessage returns.
    const head = Buffer.allocUnsafe(5 + own.length);
    head.writeUInt8(0, 0);
    head.writeUInt32BE(shared.reduce((n, b) => n + b.length, own.length), 1);
    own.copy(head, 5);
    const write = stream.write;
    this.serializeMessage = () => head;
    stream.write = (chunk, cb) => {
      stream.write = write;
      write.call(stream, chunk);
      for (let i = 0; i < shared.length - 1; i++) write.call(stream, shared[i]);
      return write.call(stream, shared[shared.length - 1], cb);
    };
    try {
      sendMessage.call(this, message, callback);
    } finally {
      delete (this as Partial<ServerCall>).serializeMessage;
      stream.write = write;
    }
  };
  installed = true;
  return true;
}
