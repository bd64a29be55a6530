// Money is int64 fen on the wire; people read and type yuan.

/** 12900 → "129.00" */
export function yuan(fen: number | undefined | null): string {
  const f = Math.trunc(fen ?? 0);
  const sign = f < 0 ? "-" : "";
  const a = Math.abs(f);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

/** "129.5" → 12950; refuses more than two decimals, signs and garbage (returns null). */
export function toFen(input: string | number | undefined | null): number | null {
  if (input === undefined || input === null) return null;
  const s = String(input).trim();
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  const v = Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
  return Number.isSafeInteger(v) ? v : null;
}

/** 123456789 → "¥1,234,567.89": amounts people read, with thousands separators. */
export function money(fen: number | undefined | null): string {
  const s = yuan(fen);
  const neg = s.startsWith("-");
  const [int, dec] = (neg ? s.slice(1) : s).split(".");
  return `${neg ? "-" : ""}¥${int.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${dec}`;
}
