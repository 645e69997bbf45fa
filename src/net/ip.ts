// IP address syntax, shared by validation and emission.
export function isIPv4(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  return !!m && m.slice(1).every((x) => Number(x) <= 255 && (x === "0" || !x.startsWith("0")));
}

export function isIPv6(v: string): boolean {
  if (!v.includes(":") || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  try {
    return new URL(`http://[${v}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

export function isIP(v: string): boolean {
  return isIPv4(v) || isIPv6(v);
}
