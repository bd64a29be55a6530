import { describe, expect, it } from "vitest";
import { compare } from "./compare";
import type { Translate } from "./forms";

const zh: Record<string, string> = { "dash.vsPrev_7": "较前 7 天", "dash.vsPrev_1": "较前一天", "dash.flat": "持平", "dash.fromZero": "前期为 0", "dash.points": "个百分点" };
const t = ((k: string) => zh[k] ?? k) as Translate;

describe("compare", () => {
  it("says the change in per cent against the previous period", () => {
    expect(compare(22500, 20000, 7, t)).toEqual({ text: "较前 7 天 ↑12.5%", dir: 1 });
    expect(compare(15000, 20000, 1, t)).toEqual({ text: "较前一天 ↓25.0%", dir: -1 });
  });
  it("says unchanged, and growth from nothing without dividing by zero", () => {
    expect(compare(3, 3, 7, t).text).toBe("较前 7 天 持平");
    expect(compare(0, 0, 7, t).dir).toBe(0);
    expect(compare(500, 0, 7, t)).toEqual({ text: "较前 7 天 前期为 0", dir: 1 });
  });
  it("moves rates in percentage points", () => {
    expect(compare(0.5, 0.25, 7, t, true)).toEqual({ text: "较前 7 天 ↑25.0 个百分点", dir: 1 });
  });
});
