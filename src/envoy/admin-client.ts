// The two admin API calls the supervisor makes. Every call has a timeout: a wedged Envoy must not
// wedge shutdown or the readiness loop.
import { adminRequestTarget, type AdminAddress } from "./admin-address.ts";

export interface AdminAnswer {
  status: number;
  body: string;
}

async function call(addr: AdminAddress, method: "GET" | "POST", path: string, timeoutMs: number): Promise<AdminAnswer | null> {
  const { url, unix } = adminRequestTarget(addr, path);
  try {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs), ...(unix ? { unix } : {}) });
    return { status: res.status, body: (await res.text()).trim() };
  } catch {
    // Refused, timed out, socket missing: all mean "not answering" to the caller.
    return null;
  }
}

/** GET /ready: 200 "LIVE" once Envoy has its initial config; 503 with the server state before. */
export const getReady = (addr: AdminAddress, timeoutMs: number) => call(addr, "GET", "/ready", timeoutMs);

/** POST /drain_listeners?graceful: start the drain period (--drain-time-s) on every listener. */
export const drainListeners = (addr: AdminAddress, timeoutMs: number) => call(addr, "POST", "/drain_listeners?graceful", timeoutMs);

/**
 * GET /server_info's command_line_options.restart_epoch: which process answers the admin address.
 * During a hot restart the parent keeps the admin listener until the child asks for it, so a
 * /ready answer alone could come from the parent.
 */
export async function getRestartEpoch(addr: AdminAddress, timeoutMs: number): Promise<number | null> {
  const r = await call(addr, "GET", "/server_info", timeoutMs);
  if (r?.status !== 200) return null;
  try {
    const info = JSON.parse(r.body) as { command_line_options?: { restart_epoch?: unknown } };
    const e = info.command_line_options?.restart_epoch;
    return typeof e === "number" ? e : e === undefined ? 0 : Number(e);
  } catch {
    return null;
  }
}
