// The AggregatedDiscoveryService implementation for @connectrpc/connect: bridges each bidi RPC to a
// cache stream. Requests are consumed in the background while responses are yielded as the cache
// produces them, since xDS responses are not one-per-request.
import { createContextKey, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import type { Message } from "@bufbuild/protobuf";
import { AggregatedDiscoveryService } from "../../gen/envoy/service/discovery/v3/ads_pb.ts";
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from "../../gen/envoy/service/discovery/v3/discovery_pb.ts";
import { TypeUrl } from "../resources.ts";
import type { Logger } from "../../log/logger.ts";
import type { SnapshotCache } from "../cache/cache.ts";
import type { XdsStream } from "../cache/stream.ts";
import { AsyncQueue } from "./queue.ts";

/** Filled by the node adapter from the HTTP/2 request (see listen.ts). */
export const peerAddressKey = createContextKey<string>("unknown");
/** Unix socket peers: the connecting process's pid (SO_PEERCRED); undefined on TCP. */
export const peerPidKey = createContextKey<number | undefined>(undefined);

/** Lets close() end every live RPC cleanly (the client sees the stream end and reconnects). */
export class OpenStreams {
  private readonly ends = new Set<() => void>();
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }
  endAll(): void {
    for (const end of [...this.ends]) end();
  }
  get size(): number {
    return this.ends.size;
  }
}

function peerOf(ctx: HandlerContext): { address: string; pid?: number } {
  const pid = ctx.values.get(peerPidKey);
  return pid === undefined ? { address: ctx.values.get(peerAddressKey) } : { address: ctx.values.get(peerAddressKey), pid };
}

export function adsRoutes(cache: SnapshotCache, open: OpenStreams, logger: Logger): (router: ConnectRouter) => void {
  async function* bridge<Req extends Message & { typeUrl: string }, Res extends Message>(
    requests: AsyncIterable<Req>,
    ctx: HandlerContext,
    openStream: (send: (r: Res) => void) => XdsStream & { onRequest(r: Req): void },
  ): AsyncIterable<Res> {
    const out = new AsyncQueue<Res>();
    const stream = openStream((r) => out.push(r));
    const peer = ctx.values.get(peerAddressKey);
    const unix = peer.startsWith("unix:");
    let warned = false;
    const forget = open.add(() => out.end());
    const onAbort = (): void => out.end();
    ctx.signal.addEventListener("abort", onAbort);
    // Consume requests concurrently with yielding responses; either side ending ends the RPC.
    void (async () => {
      try {
        for await (const req of requests) {
          if (stream.isClosed) break;
          // Private keys only go to the local Envoy over the 0600 Unix socket: on TCP any local
          // process could ask for them. Proxyless gRPC clients never need SDS.
          if (req.typeUrl === TypeUrl.secret && !unix) {
            if (!warned)
              logger.warn("xds: SDS (secrets) requested over TCP; refused, secrets are served on the Unix socket only", { stream: stream.id, address: peer });
            warned = true;
            continue;
          }
          stream.onRequest(req);
        }
      } catch (err) {
        logger.debug("xds stream read ended with error", { stream: stream.id, node: stream.nodeId, error: String(err) });
      } finally {
        out.end();
      }
    })();
    try {
      yield* out;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      forget();
      stream.close();
    }
  }

  return (router) => {
    router.service(AggregatedDiscoveryService, {
      streamAggregatedResources: (requests, ctx) => bridge<DiscoveryRequest, DiscoveryResponse>(requests, ctx, (send) => cache.openSotw(peerOf(ctx), send)),
      deltaAggregatedResources: (requests, ctx) =>
        bridge<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(requests, ctx, (send) => cache.openDelta(peerOf(ctx), send)),
    });
  };
}
