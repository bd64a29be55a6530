// The SKU matrix: every combination of the product's spec values (colour ×
// size ...), each row keeping what the user already typed for it.

export interface Spec {
  name: string;
  values: string[];
}

export interface SkuRow {
  key: string;
  spec: Record<string, string>;
  price?: number; // fen
  market_price?: number;
  stock?: number;
  barcode?: string;
}

/** Stable key of a combination, independent of spec order. */
export function comboKey(spec: Record<string, string>): string {
  return Object.keys(spec)
    .sort()
    .map((k) => `${k}=${spec[k]}`)
    .join("|");
}

/** Clean specs: trimmed names and values, no empties, no duplicates. */
export function cleanSpecs(specs: Spec[]): Spec[] {
  const seen = new Set<string>();
  const out: Spec[] = [];
  for (const s of specs) {
    const name = (s.name || "").trim();
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const values = [...new Set((s.values || []).map((v) => v.trim()).filter(Boolean))];
    if (values.length) out.push({ name, values });
  }
  return out;
}

/**
 * matrix returns the rows for specs in spec order (the first spec varies
 * slowest), carrying over price, stock and barcode from existing rows with the
 * same combination. No specs: one row with an empty spec.
 */
export function matrix(specs: Spec[], existing: SkuRow[] = []): SkuRow[] {
  const clean = cleanSpecs(specs);
  const prev = new Map(existing.map((r) => [comboKey(r.spec), r]));
  let combos: Record<string, string>[] = [{}];
  for (const s of clean) {
    const next: Record<string, string>[] = [];
    for (const c of combos) for (const v of s.values) next.push({ ...c, [s.name]: v });
    combos = next;
  }
  return combos.map((spec) => {
    const key = comboKey(spec);
    const old = prev.get(key);
    return { ...old, key, spec };
  });
}
