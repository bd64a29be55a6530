import { describe, expect, it } from "vitest";
import i18n from "i18next";
import { ApiError } from "../api/client";
import en from "../locales/en-US";
import zh from "../locales/zh-CN";
import { errorText, fieldErrors, fieldLabel, namePath, type Translate } from "./forms";

// A translator of its own per language, independent of the app's current one.
function translator(lng: string): Translate {
  const inst = i18n.createInstance();
  void inst.init({ lng, resources: { "zh-CN": { translation: zh }, "en-US": { translation: en } }, interpolation: { escapeValue: false }, initAsync: false });
  return inst.t.bind(inst) as Translate;
}
const zhT = translator("zh-CN");
const enT = translator("en-US");

const invalid = (fields: { field: string; code: string; message: string }[]) =>
  new ApiError(400, { error: { code: "invalid_input", message: "some fields are invalid", fields } }, zhT);

describe("server field errors", () => {
  it("maps paths to antd name paths", () => {
    expect(namePath("skus[2].price")).toEqual(["skus", 2, "price"]);
    expect(namePath("theme.primary")).toEqual(["theme", "primary"]);
    expect(namePath("title")).toEqual(["title"]);
  });
  it("puts known fields inline, translated by code, and keeps the rest as one message with field names", () => {
    const err = invalid([
      { field: "title", code: "required", message: "is required" },
      { field: "skus[0].price", code: "out_of_range", message: "must be between 1 and 10000000" },
      { field: "secret_thing", code: "x", message: "bad" },
    ]);
    const out = fieldErrors(err, ["title", "skus"], zhT);
    expect(out.fields).toEqual([
      { name: ["title"], errors: ["必填"] },
      { name: ["skus", 0, "price"], errors: ["应在 1 到 10000000 之间"] },
    ]);
    expect(out.rest).toBe("secret_thing：bad"); // unknown code and field: the server's words
    expect(fieldErrors(err, ["title", "skus"], enT).fields[0].errors).toEqual(["Required"]);
  });
  it("keeps the limit the server named", () => {
    const err = invalid([{ field: "name", code: "too_long", message: "must be at most 40 characters" }]);
    expect(fieldErrors(err, ["name"], zhT).fields[0].errors).toEqual(["最多 40 个字符"]);
  });
  it("names nested fields as the form does", () => {
    expect(fieldLabel("skus[2].price", zhT)).toBe("SKU 第 3 行 · 售价");
    expect(fieldLabel("skus[2].price", enT)).toBe("SKU row 3 · Price");
  });
  it("translates an error by its code, the server's message only for an unknown code", () => {
    const bad = new ApiError(401, { error: { code: "bad_credentials", message: "email or password is wrong" } }, zhT);
    expect(bad.message).toBe("邮箱或密码不正确");
    expect(bad.serverMessage).toBe("email or password is wrong");
    const slug = invalid([{ field: "slug", code: "taken", message: "is already used by another store" }]);
    expect(slug.message).toBe("有些内容需要修改（店铺地址：已被使用）");
    expect(errorText({ code: "brand_new_code", message: "the server says", fields: [] }, zhT)).toBe("the server says");
    expect(fieldErrors(new ApiError(409, { error: { code: "c", message: "slug taken" } }, zhT), []).rest).toBe("slug taken");
  });
});
