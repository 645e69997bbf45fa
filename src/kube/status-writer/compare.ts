// "Would writing this status change anything?": the desired status is compared with the live one
// as a subset (the API server adds nothing we compare on, but may order list items differently),
// ignoring lastTransitionTime, which we carry over from the live condition anyway.
export function sameStatus(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    const used = new Set<number>();
    return desired.every((d) => {
      const i = live.findIndex((l, j) => !used.has(j) && sameStatus(d, l));
      if (i < 0) return false;
      used.add(i);
      return true;
    });
  }
  if (desired !== null && typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => k === "lastTransitionTime" || sameStatus(v, l[k]));
  }
  return desired === live;
}
