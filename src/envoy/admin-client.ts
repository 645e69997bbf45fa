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
