// A test double for the ACK side of a node's Envoy, NOT an xDS client: one state-of-the-world
// stream opened on the real SnapshotCache in process, with the node's id, subscribed to every
// listener and cluster (wildcard, as Envoy does), ACKing (or, when told, NACKing) each response.
// The cache's own ACK bookkeeping decides what the node reports; this only plays Envoy's part of
// the protocol so Kubernetes-mode tests can see Programmed follow the data plane.
import { create } from "@bufbuild/protobuf";
import { DiscoveryRequestSchema, type DiscoveryRequest, type DiscoveryResponse } from "../../src/gen/envoy/service/discovery/v3/discovery_pb.ts";
import type { SnapshotCache } from "../../src/xds/cache/cache.ts";
import type { SotwStream } from "../../src/xds/cache/sotw.ts";
import { TypeUrl } from "../../src/xds/resources.ts";

export class EnvoyAcker {
  private stream: SotwStream | undefined;
  /** While true, responses are NACKed (a configuration Envoy rejects). */
  rejecting = false;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly nodeId: string,
  ) {}

  connect(): void {
    if (this.stream) return;
    const stream = this.cache.openSotw({ address: "test:envoy-acker" }, (r) => queueMicrotask(() => this.answer(r)));
    this.stream = stream;
    const req = (init: Parameters<typeof create<typeof DiscoveryRequestSchema>>[1]): void =>
      stream.onRequest(create(DiscoveryRequestSchema, init) as DiscoveryRequest);
    req({ node: { id: this.nodeId }, typeUrl: TypeUrl.cluster });
    req({ typeUrl: TypeUrl.listener });
  }

  private answer(r: DiscoveryResponse): void {
    const s = this.stream;
    if (!s || s.isClosed) return;
    const init = this.rejecting
      ? { typeUrl: r.typeUrl, responseNonce: r.nonce, errorDetail: { code: 3, message: "rejected by the test" } }
      : { typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce };
    s.onRequest(create(DiscoveryRequestSchema, init) as DiscoveryRequest);
  }

  /** Envoy gone: the stream closes. */
  disconnect(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}
