// VirtualService (networking.istio.io v1alpha3/v1beta1/v1) spec as its JSON shape. The HTTP part is
// the route builder's input types; TCP and TLS routes and delegation are added here.
import type { Destination, HTTPRoute } from '../../translate/route/inputs.js';

export type { Destination, HTTPRoute, HTTPMatchRequest, IstioStringMatch } from '../../translate/route/inputs.js';

export interface L4MatchAttributes {
  destinationSubnets?: string[];
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
}

export interface TLSMatchAttributes extends L4MatchAttributes {
  sniHosts: string[];
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
}

export interface TCPRoute {
  match?: L4MatchAttributes[];
  route?: RouteDestination[];
}

export interface TLSRoute {
  match: TLSMatchAttributes[];
  route?: RouteDestination[];
}

/** An HTTPRoute may delegate to another VirtualService (`delegate: {name, namespace}`). */
export interface DelegatingHTTPRoute extends HTTPRoute {
  delegate?: { name: string; namespace?: string };
}

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: DelegatingHTTPRoute[];
  tcp?: TCPRoute[];
  tls?: TLSRoute[];
  exportTo?: string[];
}
