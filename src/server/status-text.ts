// `edgegate status` for a person: kubectl-style tables (upper-case headers, columns aligned, one
// object per row), then problems grouped by file, one health line with its reasons, Envoy, the xDS
// clients and the datapath. Pure (document in, text out) so the layout is testable without a
// running appliance. Every count is taken from one place so the sections agree.
import type { StatusDocument } from "./apps.ts";
import type { InputObjectStatus, InputProblem } from "./status-types.ts";
import type { Condition, ListenerStatus, ObjectStatus } from "../object-status/types.ts";
import { formatLabels } from "./node-selector.ts";

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Columns separated by three spaces, as kubectl prints them; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** "True", or "False (Reason)", or "-" when the condition is absent. */
function cond(conds: readonly Condition[] | undefined, type: string): string {
  const c = conds?.find((x) => x.type === type);
  if (!c) return "-";
  return c.status === "True" ? "True" : `${c.status} (${c.reason})`;
}

const nsName = (o: { namespace?: string; name: string }) => (o.namespace ? `${o.namespace}/${o.name}` : o.name);
/** The status shape of the variant whose kind union includes K (routes share one variant). */
type StatusOf<K extends ObjectStatus["kind"], T = ObjectStatus> = T extends { kind: infer X; status: infer S } ? (K extends X ? S : never) : never;
const statusOf = <K extends ObjectStatus["kind"]>(o: InputObjectStatus, _kind: K): StatusOf<K> | undefined => o.status as StatusOf<K> | undefined;

const routeKinds = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute"]);
const policyKinds = new Set(["BackendTLSPolicy", "GatewayNetworkPolicy"]);

function section(out: string[], title: string, lines: string[]): void {
  if (out.length > 0) out.push("");
  out.push(title, ...lines.map((l) => (l ? `  ${l}` : l)));
}

/** The part of a long message before its first ";" or "(": the rest is in its own section. */
const firstClause = (s: string) => s.split(/; |\. /)[0]!;

function problemsByFile(problems: readonly InputProblem[]): string[] {
  const byFile = new Map<string, InputProblem[]>();
  for (const p of problems) {
    const f = p.file ?? "(no file)";
    byFile.set(f, [...(byFile.get(f) ?? []), p]);
  }
  const out: string[] = [];
  for (const [file, ps] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${file}  (${plural(ps.length, "problem")})`);
    for (const p of [...ps].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) {
      const where = [p.line ? `line ${p.line}` : "", p.object ?? "", p.path ?? ""].filter(Boolean).join("  ");
      out.push(`  ${where ? `${where}: ` : ""}${p.message}`);
    }
  }
  return out;
}

function listenerRows(owner: string, ls: readonly ListenerStatus[]): string[][] {
  return ls.map((l) => [
    owner,
    l.name,
    String(l.attachedRoutes),
    cond(l.conditions, "Accepted"),
    cond(l.conditions, "Programmed"),
    cond(l.conditions, "ResolvedRefs"),
  ]);
}

function datapathLines(dp: { [key: string]: unknown }): string[] {
  const out: string[] = [];
  const mode = String(dp.mode ?? "?");
  out.push(
    dp.enabled
      ? `mode ${mode}, enabled${dp.start ? ` (${String(dp.start)})` : ""}, bpffs ${String(dp.bpffs ?? "")}`
      : `mode ${mode}, disabled: ${String(dp.reason ?? "")}`,
  );
  const attachments = Array.isArray(dp.attachments) ? (dp.attachments as Array<Record<string, unknown>>) : [];
  if (attachments.length > 0)
    out.push(
      "",
      ...table(
        ["PROGRAM", "TARGET", "PROG ID", "LINK ID", "PIN"],
        attachments.map((a) => [String(a.kind ?? ""), String(a.target ?? ""), String(a.progId ?? "-"), String(a.linkId ?? "-"), String(a.pin ?? "")]),
      ),
    );
  const maps = dp.maps && typeof dp.maps === "object" ? Object.entries(dp.maps as Record<string, { entries?: number; max?: number }>) : [];
  if (maps.length > 0)
    out.push(
      "",
      ...table(
        ["MAP", "ENTRIES", "MAX"],
        maps.map(([n, m]) => [n, String(m.entries ?? ""), String(m.max ?? "")]),
      ),
    );
  const counters = Array.isArray(dp.counters) ? (dp.counters as Array<Record<string, unknown>>) : [];
  if (counters.length > 0)
    out.push(
      "",
      ...table(
        ["POLICY RULE", "CONNECTIONS", "PACKETS"],
        counters.map((c) => [String(c.label ?? ""), String(c.conns ?? 0), String(c.packets ?? 0)]),
      ),
    );
  const listeners = Array.isArray(dp.listeners) ? (dp.listeners as Array<Record<string, unknown>>) : [];
  if (listeners.length > 0)
    out.push(
      "",
      ...table(
        ["STEERING SLOT", "STATE"],
        listeners.map((l) => [`${String(l.address ?? "")}:${String(l.port ?? "")}${l.protocol === "UDP" ? "/udp" : ""}`, String(l.state ?? "")]),
      ),
    );
  return out;
}

export function formatStatus(d: StatusDocument, now = Date.now()): string {
  const out: string[] = [];
  const objs = d.inputs.objects;
  const of = (pred: (o: InputObjectStatus) => boolean) => objs.filter(pred).sort((a, b) => nsName(a).localeCompare(nsName(b)));

  const classes = of((o) => o.kind === "GatewayClass");
  if (classes.length > 0)
    section(
      out,
      "GATEWAYCLASSES",
      table(
        ["NAME", "ACCEPTED"],
        classes.map((o) => [o.name, cond(o.conditions, "Accepted")]),
      ),
    );

  const gateways = of((o) => o.kind === "Gateway");
  if (gateways.length > 0) {
    const rows = gateways.map((o) => {
      const s = statusOf(o, "Gateway");
      const ls = s?.listeners ?? [];
      return [
        o.namespace ?? "",
        o.name,
        (s?.addresses ?? []).map((a) => a.value).join(",") || "-",
        cond(o.conditions, "Programmed"),
        String(ls.length),
        String(ls.reduce((n, l) => n + l.attachedRoutes, 0)),
      ];
    });
    section(out, "GATEWAYS", table(["NAMESPACE", "NAME", "ADDRESSES", "PROGRAMMED", "LISTENERS", "ATTACHED ROUTES"], rows));
    const lrows = [...gateways, ...of((o) => o.kind === "ListenerSet")].flatMap((o) =>
      listenerRows(`${o.kind === "ListenerSet" ? "ListenerSet " : ""}${nsName(o)}`, statusOf(o, "Gateway")?.listeners ?? []),
    );
    if (lrows.length > 0) out.push("", ...table(["GATEWAY", "LISTENER", "ROUTES", "ACCEPTED", "PROGRAMMED", "RESOLVEDREFS"], lrows).map((l) => `  ${l}`));
  }

  const routes = of((o) => routeKinds.has(o.kind));
  if (routes.length > 0) {
    const rows = routes.flatMap((o) => {
      const parents = statusOf(o, "HTTPRoute")?.parents ?? [];
      if (parents.length === 0) return [[o.kind, o.namespace ?? "", o.name, "(none)", "-", "-"]];
      return parents.map((p) => [
        o.kind,
        o.namespace ?? "",
        o.name,
        `${p.parentRef.namespace ?? o.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? `/${p.parentRef.sectionName}` : ""}`,
        cond(p.conditions, "Accepted"),
        cond(p.conditions, "ResolvedRefs"),
      ]);
    });
    section(out, "ROUTES", table(["KIND", "NAMESPACE", "NAME", "PARENT", "ACCEPTED", "RESOLVEDREFS"], rows));
  }

  const ingresses = of((o) => o.kind === "Ingress");
  if (ingresses.length > 0) {
    const rows = ingresses.map((o) => [
      o.namespace ?? "",
      o.name,
      (statusOf(o, "Ingress")?.loadBalancer.ingress ?? []).map((a) => a.ip ?? a.hostname ?? "").join(",") || "-",
    ]);
    section(out, "INGRESSES", table(["NAMESPACE", "NAME", "ADDRESS"], rows));
  }

  const policies = of((o) => policyKinds.has(o.kind));
  if (policies.length > 0) {
    const rows = policies.flatMap((o) => {
      const ancestors = statusOf(o, "BackendTLSPolicy")?.ancestors ?? [];
      if (ancestors.length === 0) return [[o.kind, o.namespace ?? "", o.name, "(none)", "-"]];
      return ancestors.map((a) => [
        o.kind,
        o.namespace ?? "",
        o.name,
        `${a.ancestorRef.kind} ${a.ancestorRef.namespace}/${a.ancestorRef.name}${a.ancestorRef.sectionName ? `/${a.ancestorRef.sectionName}` : ""}`,
        cond(a.conditions, "Accepted"),
      ]);
    });
    section(out, "POLICIES", table(["KIND", "NAMESPACE", "NAME", "ANCESTOR", "ACCEPTED"], rows));
  }

  if (d.listeners.length > 0) {
    const rows = d.listeners.map((l) => [
      l.name,
      l.address.includes(":") ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`,
      l.protocol,
      l.from ?? "",
      l.hostnames?.join(",") || "-",
    ]);
    section(out, "ENVOY LISTENERS", table(["NAME", "ADDRESS", "PROTOCOL", "FROM", "SNI"], rows));
  }

  // One number of objects: what the source holds, by kind.
  const src = d.source;
  const counts = Object.entries(d.inputs.counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const inputs = [
    `${src.mode}, ${src.state}${src.lastSyncAt ? ` ${ago(src.lastSyncAt, now)} ago` : ""}: ${plural(src.objects, "object")}${counts.length > 0 ? ` (${counts.map(([k, n]) => `${n} ${k}`).join(", ")})` : ""}, ${plural(d.inputs.problems.length, "problem")}`,
  ];
  if (src.message) inputs.push(src.message);
  section(out, "INPUTS", inputs);
  if (d.inputs.problems.length > 0) section(out, `PROBLEMS (${d.inputs.problems.length})`, problemsByFile(d.inputs.problems));

  // Envoy: the long not-found advice is printed once, here; health names only its first clause.
  const e = d.envoy;
  const envoy = [
    ...table(
      ["PHASE", "PID", "RESTARTS", "UP", "LAST EXIT"],
      [
        [
          e.phase,
          e.pid ? String(e.pid) : "-",
          String(e.restarts),
          e.readySince ? ago(e.readySince, now) : e.startedAt ? ago(e.startedAt, now) : "-",
          e.lastExit
            ? `${e.lastExit.signal ? `signal ${e.lastExit.signal}` : `code ${e.lastExit.code}`} ${ago(e.lastExit.at, now)} ago after ${e.lastExit.ranForMs} ms`
            : "-",
        ],
      ],
    ),
    e.message,
  ];
  if (e.lastExit?.lastLines?.length) envoy.push("last output before it exited:", ...e.lastExit.lastLines.map((l) => `  | ${l}`));
  if (e.adopted) envoy.push(`adopted: started by an earlier edgegate, hot-restart epoch ${e.restartEpoch ?? 0}`);
  if (e.pidFile && e.pid) envoy.push(`recorded in ${e.pidFile} (\`edgegate stop\` ends it)`);
  section(out, "ENVOY", envoy);

  const x = d.xds;
  const shorts = ["lds", "rds", "cds", "eds", "sds"];
  const xds = [
    x.snapshot.seq > 0
      ? `snapshot #${x.snapshot.seq} version ${x.snapshot.version}, published ${ago(new Date(x.snapshot.publishedAt).toISOString(), now)} ago in ${x.snapshot.publishMs.toFixed(1)} ms; ${plural(x.clients.length, "client")}`
      : `no snapshot published yet; ${plural(x.clients.length, "client")}`,
  ];
  if (x.clients.length > 0) {
    const rows = x.clients.map((c) => [
      c.nodeId + (c.nodeId === d.node.name ? " (local Envoy)" : ""),
      c.kind,
      c.address,
      ...shorts.map((s) => {
        const t = c.types.find((y) => y.type === s);
        if (!t) return "-";
        return t.current ? `${t.acked?.version.slice(0, 8) ?? ""} ACK` : t.rejecting ? "NACK" : "pending";
      }),
    ]);
    xds.push(...table(["NODE", "PROTOCOL", "ADDRESS", ...shorts.map((s) => s.toUpperCase())], rows));
    for (const c of x.clients)
      for (const t of c.types) if (t.rejecting && t.lastNack) xds.push(`${c.nodeId} NACKed ${t.type} ${t.lastNack.version}: ${t.lastNack.message}`);
  }
  section(out, "XDS", xds);
  section(out, "DATAPATH", datapathLines(d.datapath));

  // The verdict last, where the eye lands: one line, then its reasons.
  const reasons = d.health.reasons.map((r) => (r.startsWith("envoy: ") ? firstClause(r) : r));
  section(
    out,
    `HEALTH   ${d.health.healthy ? "OK (/healthz 200)" : `NOT OK (/healthz 503): ${plural(reasons.length, "reason")}`}`,
    reasons.map((r) => `- ${r}`),
  );
  out.push(
    `node ${d.node.name} ${d.node.selected ? "selected" : "NOT selected"} (labels ${formatLabels(d.node.labels)}; selector ${formatLabels(d.node.selector)}); edgegate ${d.version}, up ${ago(d.startedAt, now)}`,
  );
  return out.join("\n") + "\n";
}
