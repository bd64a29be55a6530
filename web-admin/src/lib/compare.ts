import type { Translate } from "./forms";

/** How a figure moved against the previous period, in words an operator reads at a glance: "较前 7 天 ↑12.5%". Rates
 * (conversion) move in percentage points. */
export function compare(cur: number, prev: number, days: number, t: Translate, points = false): { text: string; dir: number } {
  const vs = t("dash.vsPrev_" + days);
  if (points) {
    const d = (cur - prev) * 100;
    if (Math.abs(d) < 0.05) return { text: `${vs} ${t("dash.flat")}`, dir: 0 };
    return { text: `${vs} ${d > 0 ? "↑" : "↓"}${Math.abs(d).toFixed(1)} ${t("dash.points")}`, dir: Math.sign(d) };
  }
  if (cur === prev) return { text: `${vs} ${t("dash.flat")}`, dir: 0 };
  if (prev === 0) return { text: `${vs} ${t("dash.fromZero")}`, dir: 1 };
  const pct = ((cur - prev) / prev) * 100;
  return { text: `${vs} ${pct > 0 ? "↑" : "↓"}${Math.abs(pct).toFixed(1)}%`, dir: Math.sign(pct) };
}
