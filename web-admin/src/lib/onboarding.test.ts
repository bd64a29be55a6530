import { describe, expect, it } from "vitest";
import { progress, resumeAt, steps, type StoreState } from "./onboarding";

const base: StoreState = { hasStore: true, categories: [{ status: "active" }], builds: 0, published: false };

describe("onboarding resume", () => {
  it("starts at the profile without a store", () => {
    expect(steps[resumeAt({ ...base, hasStore: false, categories: [] })]).toBe("profile");
  });
  it("waits on categories that still miss documents", () => {
    expect(steps[resumeAt({ ...base, categories: [{ status: "pending_documents", missing_documents: ["food_license"] }] })]).toBe("categories");
  });
  it("moves on once documents are in, even before the operator's review", () => {
    expect(steps[resumeAt({ ...base, categories: [{ status: "pending_review", missing_documents: [] }] })]).toBe("miniprogram");
  });
  it("needs both the mode and the merchant for payment", () => {
    expect(steps[resumeAt({ ...base, appId: "wx1", paymentMode: "direct", mchSet: false })]).toBe("payment");
    expect(steps[resumeAt({ ...base, appId: "wx1", paymentMode: "direct", mchSet: true })]).toBe("design");
  });
  it("reports progress", () => {
    expect(progress({ ...base, appId: "wx1", paymentMode: "partner", mchSet: true, builds: 1, published: true })).toBe(100);
    expect(progress({ ...base, hasStore: false, categories: [] })).toBe(0);
  });
});
