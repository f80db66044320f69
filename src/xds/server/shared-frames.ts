// Writes DiscoveryResponses without a per-stream copy of their resources: the gRPC message is
// written as two chunks, the 5-byte gRPC prefix with the response's own fields, then the shared
// resources buffer (response-encoding.ts), so every stream's queued write references one buffer.
// grpc-js (1.10+) serializes a message into one new buffer per stream (its serializeMessage copies
// what the method's serializer returns behind the prefix); this module hooks its server call for
// the methods whose serializer is `serializeDiscoveryResponse` and for nothing else. When the
// grpc-js internals it relies on are missing, it installs nothing and responses take the copying path.
import { createRequire } from 'node:module';
import type { DiscoveryResponse } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { discoveryResponseParts, encodeDiscoveryResponse } from './response-encoding.js';

/** The serializer of DiscoveryResponse methods; the hook recognizes their calls by it. */
export function serializeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  return encodeDiscoveryResponse(m);
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

let installed = false;

/** Installs the hook once (idempotent); true when responses now share their resources buffer. */
export function installSharedFrames(): boolean {
  if (installed) return true;
  const proto = serverCallPrototype();
  if (proto === undefined) return false;
  const sendMessage = proto.sendMessage;
  proto.sendMessage = function (this: ServerCall, message: unknown, callback: () => void): void {
    const stream = this.stream;
    if (this.handler?.serialize !== serializeDiscoveryResponse || stream === undefined) return sendMessage.call(this, message, callback);
    const { own, shared } = discoveryResponseParts(message as DiscoveryResponse);
    if (shared === undefined) return sendMessage.call(this, message, callback);
    // gRPC's length prefix (uncompressed) counts both parts; grpc-js writes what serializeMessage returns.
    const head = Buffer.allocUnsafe(5 + own.length);
    head.writeUInt8(0, 0);
    head.writeUInt32BE(own.length + shared.length, 1);
    own.copy(head, 5);
    const write = stream.write;
    this.serializeMessage = () => head;
    stream.write = (chunk, cb) => {
      stream.write = write;
      write.call(stream, chunk);
      return write.call(stream, shared, cb);
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
