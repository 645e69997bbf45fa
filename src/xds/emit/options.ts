// Settings the emitter takes from the appliance configuration (not from input objects).
export interface EmitOptions {
  /** Trusted proxies in front of Envoy, for X-Forwarded-For (default 0: the peer is the client). */
  xffNumTrustedHops: number;
  /** Listeners accept connections steered by the eBPF datapath (IP_TRANSPARENT). */
  transparent: boolean;
}

export const defaultEmitOptions: EmitOptions = { xffNumTrustedHops: 0, transparent: false };
