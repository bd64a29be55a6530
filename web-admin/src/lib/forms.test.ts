import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { fieldErrors, namePath } from "./forms";

describe("server field errors", () => {
  it("maps paths to antd name paths", () => {
    expect(namePath("skus[2].price")).toEqual(["skus", 2, "price"]);
    expect(namePath("theme.primary")).toEqual(["theme", "primary"]);
    expect(namePath("title")).toEqual(["title"]);
  });
  it("puts known fields inline and keeps the rest as a message", () => {
    const err = new ApiError(400, {
      error: { code: "invalid", message: "invalid input", fields: [
        { field: "title", code: "required", message: "required" },
        { field: "skus[0].price", code: "min", message: "must be at least 1" },
        { field: "secret_thing", code: "x", message: "bad" },
      ] },
    });
    const out = fieldErrors(err, ["title", "skus"]);
    expect(out.fields).toEqual([
      { name: ["title"], errors: ["required"] },
      { name: ["skus", 0, "price"], errors: ["must be at least 1"] },
    ]);
    expect(out.rest).toBe("secret_thing: bad");
  });
  it("falls back to the error message", () => {
    expect(fieldErrors(new ApiError(409, { error: { code: "c", message: "slug taken" } }), []).rest).toBe("slug taken");
  });
});
