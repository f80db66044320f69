// Istio's protocol classes for cluster building: HTTP/2 ports (h2 upstream), HTTP ports (may be
// upgraded), and unnamed/unknown ones (sidecars follow the downstream protocol).
import type { Protocol } from '../../registry/protocol.js';

export const isHttp2Port = (p: Protocol): boolean => p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
export const isHttpPort = (p: Protocol): boolean => p === 'HTTP' || p === 'HTTP_PROXY' || isHttp2Port(p);
export const isUnsupportedPort = (p: Protocol): boolean => p === 'Unsupported';
