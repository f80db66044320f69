// Turns a protobuf-es service descriptor into a grpc-js ServiceDefinition: binary protobuf on
// the wire (toBinary/fromBinary), method paths as gRPC spells them (/package.Service/Method).
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { DeltaDiscoveryResponseSchema, DiscoveryResponseSchema } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { serializeDeltaDiscoveryResponse, serializeDiscoveryResponse } from './shared-frames.js';

function methodOf<I extends DescMessage, O extends DescMessage>(
  service: DescService, name: string, kind: string, input: I, output: O,
): MethodDefinition<MessageShape<I>, MessageShape<O>> {
  return {
    path: `/${service.typeName}/${name}`,
    requestStream: kind === 'client_streaming' || kind === 'bidi_streaming',
    responseStream: kind === 'server_streaming' || kind === 'bidi_streaming',
    requestSerialize: (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: output.typeName === DiscoveryResponseSchema.typeName
      ? serializeDiscoveryResponse as unknown as (m: MessageShape<O>) => Buffer
      : output.typeName === DeltaDiscoveryResponseSchema.typeName
        ? serializeDeltaDiscoveryResponse as unknown as (m: MessageShape<O>) => Buffer
        : (m: MessageShape<O>) => Buffer.from(toBinary(output, m)),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
    originalName: name,
  };
}

/** A grpc-js service definition for `service`, keyed by each method's localName (lowerCamelCase). */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) {
    def[m.localName] = methodOf(service, m.name, m.methodKind, m.input, m.output) as MethodDefinition<unknown, unknown>;
  }
  return def as ServiceDefinition;
}
