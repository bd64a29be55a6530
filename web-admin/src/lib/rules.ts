// Category rules from /api/v1/business-categories: what a store of an entity
// type may sell, shown as the brand picks its categories.

export interface Verdict {
  allowed?: boolean;
  documents?: string[];
  positive_list?: boolean;
  reason?: string;
}

export type RuleState = "allowed" | "documents" | "refused";

export function ruleState(v: Verdict | undefined): RuleState {
  if (!v || !v.allowed) return "refused";
  return (v.documents || []).length > 0 ? "documents" : "allowed";
}

/** Splits chosen categories by what happens when the store is created. */
export function summarise(rules: Record<string, Record<string, Verdict>> | undefined, entity: string, chosen: string[]) {
  const byEntity = rules?.[entity] || {};
  const out: Record<RuleState, string[]> = { allowed: [], documents: [], refused: [] };
  for (const c of chosen) out[ruleState(byEntity[c])].push(c);
  return out;
}
