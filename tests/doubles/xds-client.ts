// A lean ADS client written for tests and benchmarks: NOT a real xDS client. It speaks the wire
// protocol (SotW or delta) over @connectrpc/connect-node's gRPC transport and lets a test script
// every request, which the real clients (grpc-js-xds, python3-grpcio) do not allow. Envoy is the
// real delta client; none is installable here, so delta is exercised with this.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { connect as netConnect } from "node:net";
import { AggregatedDiscoveryService } from "../../src/gen/envoy/service/discovery/v3/ads_pb.ts";
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../src/gen/envoy/service/discovery/v3/discovery_pb.ts";
import { AsyncQueue } from "../../src/xds/server/queue.ts";

export type Target = { tcp: string } | { unix: string };

function transport(target: Target) {
  if ("tcp" in target) return createGrpcTransport({ baseUrl: `http://${target.tcp}`, readMaxBytes: 256 << 20 });
  const path = target.unix;
  // h2c over a Unix socket: the authority is a placeholder, the connection goes to the socket.
  return createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => netConnect({ path }) }, readMaxBytes: 256 << 20 });
}

/** One ADS stream. `responses` collects everything received; `next()` waits for the next one. */
class Stream<Req, Res> {
  readonly responses: Res[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  ended = false;
  error: unknown;

  constructor(
    private readonly out: AsyncQueue<Req>,
    incoming: AsyncIterable<Res>,
  ) {
    void (async () => {
      try {
        for await (const r of incoming) {
          this.responses.push(r);
          this.wake();
        }
      } catch (err) {
        this.error = err;
      } finally {
        this.ended = true;
        this.wake();
      }
    })();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  send(req: Req): void {
    this.out.push(req);
  }

  /** Waits for the response number `index` (0-based over the whole stream). */
  async at(index: number, timeoutMs = 5000): Promise<Res> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length <= index) {
      if (this.ended) throw new Error(`stream ended after ${this.responses.length} responses: ${String(this.error ?? "")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for response #${index} (have ${this.responses.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses[index]!;
  }

  /** Resolves false if no further response arrives within ms (for "nothing was sent" checks). */
  async quietFor(ms: number): Promise<boolean> {
    const n = this.responses.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.responses.length === n;
  }

  close(): void {
    this.out.end();
    this.abort.abort();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export type SotwStream = Stream<DiscoveryRequest, DiscoveryResponse> & {
  request(init: MessageInitShape<typeof DiscoveryRequestSchema>): void;
};
export type DeltaStream = Stream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> & {
  request(init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>): void;
};

export function openSotw(target: Target): SotwStream {
  const client = createClient(AggregatedDiscoveryService, transport(target));
  const out = new AsyncQueue<DiscoveryRequest>();
  const ctl = new AbortController();
  const s = new Stream(out, client.streamAggregatedResources(out, { signal: ctl.signal })) as SotwStream;
  s.request = (init) => s.send(create(DiscoveryRequestSchema, init));
  s.signal.addEventListener("abort", () => ctl.abort());
  return s;
}

export function openDelta(target: Target): DeltaStream {
  const client = createClient(AggregatedDiscoveryService, transport(target));
  const out = new AsyncQueue<DeltaDiscoveryRequest>();
  const ctl = new AbortController();
  const s = new Stream(out, client.deltaAggregatedResources(out, { signal: ctl.signal })) as DeltaStream;
  s.request = (init) => s.send(create(DeltaDiscoveryRequestSchema, init));
  s.signal.addEventListener("abort", () => ctl.abort());
  return s;
}
