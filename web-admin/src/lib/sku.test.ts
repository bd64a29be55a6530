import { describe, expect, it } from "vitest";
import { cleanSpecs, comboKey, matrix } from "./sku";

describe("sku matrix", () => {
  it("crosses every spec value, first spec slowest", () => {
    const rows = matrix([
      { name: "颜色", values: ["红", "蓝"] },
      { name: "尺码", values: ["S", "M", "L"] },
    ]);
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => `${r.spec["颜色"]}${r.spec["尺码"]}`)).toEqual(["红S", "红M", "红L", "蓝S", "蓝M", "蓝L"]);
  });
  it("keeps what was typed for combinations that remain", () => {
    const first = matrix([{ name: "颜色", values: ["红", "蓝"] }]);
    first[1].price = 9900;
    first[1].stock = 7;
    const second = matrix([{ name: "颜色", values: ["红", "蓝", "绿"] }, { name: "尺码", values: ["S"] }], first);
    const blueS = second.find((r) => r.spec["颜色"] === "蓝")!;
    // A new spec changes every combination: nothing carries over wrongly.
    expect(blueS.price).toBeUndefined();
    const again = matrix([{ name: "颜色", values: ["蓝", "红"] }], first);
    expect(again.find((r) => r.spec["颜色"] === "蓝")!.price).toBe(9900);
    expect(again.find((r) => r.spec["颜色"] === "蓝")!.stock).toBe(7);
  });
  it("ignores empty and duplicate names and values", () => {
    expect(cleanSpecs([{ name: " 颜色 ", values: ["红", "红", " ", "蓝"] }, { name: "颜色", values: ["绿"] }, { name: "", values: ["x"] }])).toEqual([
      { name: "颜色", values: ["红", "蓝"] },
    ]);
  });
  it("gives one row without specs", () => {
    expect(matrix([])).toEqual([{ key: "", spec: {} }]);
  });
  it("keys combinations independently of order", () => {
    expect(comboKey({ b: "1", a: "2" })).toBe(comboKey({ a: "2", b: "1" }));
  });
});
