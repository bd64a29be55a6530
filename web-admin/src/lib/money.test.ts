import { describe, expect, it } from "vitest";
import { toFen, yuan } from "./money";

describe("money", () => {
  it("formats fen as yuan", () => {
    expect(yuan(12900)).toBe("129.00");
    expect(yuan(5)).toBe("0.05");
    expect(yuan(-150)).toBe("-1.50");
    expect(yuan(undefined)).toBe("0.00");
  });
  it("parses yuan into fen exactly", () => {
    expect(toFen("129.5")).toBe(12950);
    expect(toFen("0.07")).toBe(7);
    expect(toFen("19.99")).toBe(1999); // no floating point drift
    expect(toFen(" 3 ")).toBe(300);
  });
  it("refuses what is not an amount", () => {
    for (const bad of ["", "1.234", "-1", "1e3", "abc", "1,5"]) expect(toFen(bad)).toBeNull();
  });
});
