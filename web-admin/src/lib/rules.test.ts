import { describe, expect, it } from "vitest";
import { ruleState, summarise } from "./rules";

const rules = {
  overseas: { apparel: { allowed: true }, food: { allowed: true, documents: ["trademark"] }, otc_medicine: { allowed: false, reason: "no" } },
};

describe("category rules", () => {
  it("classifies verdicts", () => {
    expect(ruleState({ allowed: true })).toBe("allowed");
    expect(ruleState({ allowed: true, documents: ["x"] })).toBe("documents");
    expect(ruleState({ allowed: false })).toBe("refused");
    expect(ruleState(undefined)).toBe("refused");
  });
  it("summarises a choice for an entity", () => {
    expect(summarise(rules, "overseas", ["apparel", "food", "otc_medicine"])).toEqual({
      allowed: ["apparel"], documents: ["food"], refused: ["otc_medicine"],
    });
  });
});
