import { describe, expect, it } from "vitest";
import i18n from "i18next";
import en from "../locales/en-US";
import zh from "../locales/zh-CN";
import type { Translate } from "./forms";
import { describeAudit, describeEvent, sceneName } from "./describe";
import { money } from "./money";

const inst = i18n.createInstance();
void inst.init({ lng: "zh-CN", resources: { "zh-CN": { translation: zh }, "en-US": { translation: en } }, interpolation: { escapeValue: false }, initAsync: false });
const t = inst.t.bind(inst) as Translate;

describe("what the server records, as sentences", () => {
  it("writes money with thousands separators", () => {
    expect(money(123456789)).toBe("¥1,234,567.89");
    expect(money(17900)).toBe("¥179.00");
    expect(money(-150000)).toBe("-¥1,500.00");
  });
  it("names entry scenes", () => {
    expect(sceneName("1007", t)).toBe("单聊分享");
    expect(sceneName("1008", t)).toBe("群聊分享");
    expect(sceneName("1011", t)).toBe("扫描二维码");
    expect(sceneName("9999", t)).toBe("场景 9999");
  });
  it("writes the order timeline with names, yuan and carriers", () => {
    const names = { "01a22ef7-aaaa": "王店长" };
    const ctx = { t, lang: "zh-CN", names, buyer: "王小明", paid: 1234500 };
    expect(describeEvent({ to: "pending_payment", actor: "shopper", note: "order placed" }, ctx)).toBe("买家 王小明下单");
    expect(describeEvent({ from: "pending_payment", to: "paid", actor: "shopper", note: "WeChat Pay 4200001" }, ctx)).toBe("买家 王小明通过微信支付付款 ¥12,345.00（微信支付单号 4200001）");
    expect(describeEvent({ from: "paid", to: "shipped", actor: "staff:01a22ef7-aaaa", note: "YTO YT123" }, ctx)).toBe("王店长已发货：圆通速递，快递单号 YT123");
    expect(describeEvent({ from: "shipped", to: "shipped", actor: "shopper", note: "refund R1 requested: 17900 fen, 尺码不合适" }, ctx)).toBe("买家 王小明申请退款 ¥179.00，原因：尺码不合适");
    expect(describeEvent({ from: "shipped", to: "refunded", actor: "system", note: "refund R1 completed: 17900 fen" }, ctx)).toBe("退款 ¥179.00 已退回买家");
    expect(describeEvent({ from: "pending_payment", to: "closed", actor: "system", note: "timeout" }, ctx)).toBe("超时未付款，订单自动关闭");
    expect(describeEvent({ from: "paid", to: "shipped", actor: "staff:someone-else", note: "SF 1" }, ctx)).toBe("店铺员工已发货：顺丰速运，快递单号 1");
  });
  it("writes audit entries as sentences", () => {
    expect(describeAudit({ action: "catalog.product_created", detail: { title: "亚麻衬衫", skus: 2 } }, { t })).toBe("发布了商品“亚麻衬衫”（2 个 SKU）");
    expect(describeAudit({ action: "agency.granted", detail: { agency_name: "E2E 服务商", role: "admin" } }, { t })).toBe("授权服务商“E2E 服务商”为管理员");
    expect(describeAudit({ action: "brand.new_thing", target_type: "store", target_id: "x" }, { t })).toBe("brand.new_thing：store x");
  });
});
