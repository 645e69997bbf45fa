// `edgegate status` for a person: aligned sections, OK / NOT OK markers, reasons spelled out.
// Pure (document in, text out) so the layout is testable without a running appliance.
import type { StatusDocument } from "./apps.ts";
import { formatLabels } from "./node-selector.ts";

const OK = "OK";
const NOT_OK = "NOT OK";
const mark = (ok: boolean) => (ok ? OK : NOT_OK).padEnd(7);

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const epochAgo = (ms: number, now: number) => ago(new Date(ms).toISOString(), now);

export function formatStatus(d: StatusDocument, now = Date.now()): string {
  const out: string[] = [];
  const section = (name: string, ok: boolean | null, summary: string) =>
    out.push(`${name.padEnd(10)} ${ok === null ? "".padEnd(7) : mark(ok)} ${summary}`.trimEnd());
  const detail = (text: string) => out.push(`${"".padEnd(19)}${text}`);

  out.push(`edgegate ${d.version} on ${d.node.name}, up since ${d.startedAt} (${ago(d.startedAt, now)})`);
  section("health", d.health.healthy, d.health.healthy ? "serving: /healthz answers 200" : "not serving: /healthz answers 503");
  for (const r of d.health.reasons) detail(`- ${r}`);
  out.push("");

  section("node", d.node.selected, `${d.node.selected ? "selected" : "NOT selected"} (labels ${formatLabels(d.node.labels)}; selector ${formatLabels(d.node.selector)})`);

  const e = d.envoy;
  section("envoy", e.phase === "ready", `${e.phase}${e.pid ? `, pid ${e.pid}` : ""}, ${e.restarts} restart${e.restarts === 1 ? "" : "s"}`);
  detail(e.message);
  if (e.lastExit) detail(`last exit: ${e.lastExit.signal ? `signal ${e.lastExit.signal}` : `code ${e.lastExit.code}`} ${ago(e.lastExit.at, now)} after ${e.lastExit.ranForMs} ms`);
  if (!e.orphanGuard) detail("warning: no orphan guard (setpriv missing): Envoy outlives a killed edgegate");

  const x = d.xds;
  const nacks = Object.values(x.counters.nacks).reduce((a, b) => a + b, 0);
  const pushes = Object.values(x.counters.pushes).reduce((a, b) => a + b, 0);
  section(
    "xds",
    x.snapshot.seq > 0 && x.clients.every((c) => c.current),
    x.snapshot.seq > 0
      ? `snapshot #${x.snapshot.seq} ${x.snapshot.version} (${x.snapshot.publishMs.toFixed(1)} ms, ${epochAgo(x.snapshot.publishedAt, now)}), ${plural(x.clients.length, "client")}, ${`${pushes} pushes`}, ${plural(nacks, "NACK")}`
      : "no snapshot published yet",
  );
  const width = Math.max(0, ...x.clients.map((c) => c.nodeId.length));
  for (const c of x.clients) {
    const who = c.nodeId === d.node.name ? " (this node's Envoy)" : "";
    detail(`${c.current ? OK.padEnd(6) : NOT_OK} ${c.nodeId.padEnd(width)} ${c.kind.padEnd(5)} ${c.address}${who}`);
    for (const t of c.types) {
      if (t.current) continue;
      if (t.rejecting && t.lastNack) detail(`         ${t.type} NACKed ${t.lastNack.version}: ${t.lastNack.message}`);
      else detail(`         ${t.type} waiting for ACK of ${t.desiredVersion} (ACKed ${t.acked?.version ?? "none"})`);
    }
  }

  const src = d.source;
  section("source", src.state === "synced", `${src.mode}, ${src.state}, ${src.objects} object${src.objects === 1 ? "" : "s"}${src.lastSyncAt ? `, synced ${ago(src.lastSyncAt, now)}` : ""}`);
  if (src.message) detail(src.message);

  const notTrue = (conds: { type: string; status: string; reason: string; message: string }[]) =>
    conds.filter((c) => c.status !== "True" && !(c.type === "Conflicted" && c.status === "False"));
  const troubled = d.inputs.objects.filter((o) => notTrue(o.conditions).length > 0 || (o.parts ?? []).some((p) => notTrue(p.conditions).length > 0));
  section("inputs", d.inputs.problems.length === 0 && troubled.length === 0, `${d.inputs.objects.length} objects, ${d.inputs.problems.length} problem${d.inputs.problems.length === 1 ? "" : "s"}`);
  for (const p of d.inputs.problems) {
    const where = [p.file && p.line ? `${p.file}:${p.line}` : p.file, p.object, p.path].filter(Boolean).join(": ");
    detail(`- ${where ? `${where}: ` : ""}${p.message}`);
  }
  for (const o of troubled) {
    const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
    for (const c of notTrue(o.conditions)) detail(`- ${name}: ${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ""}`);
    for (const p of o.parts ?? []) for (const c of notTrue(p.conditions)) detail(`- ${name} [${p.name}]: ${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ""}`);
  }

  section("listeners", null, String(d.listeners.length));
  const lw = Math.max(0, ...d.listeners.map((l) => l.name.length));
  for (const l of d.listeners) {
    const addr = l.address.includes(":") ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
    detail(`${l.name.padEnd(lw)}  ${addr.padEnd(21)} ${l.protocol}${l.hostnames?.length ? `  ${l.hostnames.join(",")}` : ""}${l.attachedRoutes !== undefined ? `  ${l.attachedRoutes} routes` : ""}`);
  }

  section("datapath", null, JSON.stringify(d.datapath));
  return out.join("\n") + "\n";
}
