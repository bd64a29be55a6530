// Turning what the server records (order events, audit entries, codes) into
// sentences an operator reads: names instead of ids, yuan instead of fen,
// carriers and entry scenes by name.
import type { Translate } from "./forms";
import { money } from "./money";

/**
 * Carriers by the delivery company codes of WeChat's shipping-info upload
 * (the code is what the server stores and sends to WeChat).
 */
export const carriers: { code: string; zh: string; en: string }[] = [
  { code: "SF", zh: "顺丰速运", en: "SF Express" },
  { code: "YTO", zh: "圆通速递", en: "YTO Express" },
  { code: "ZTO", zh: "中通快递", en: "ZTO Express" },
  { code: "STO", zh: "申通快递", en: "STO Express" },
  { code: "YD", zh: "韵达速递", en: "Yunda Express" },
  { code: "JTSD", zh: "极兔速递", en: "J&T Express" },
  { code: "EMS", zh: "中国邮政 EMS", en: "China Post EMS" },
  { code: "JD", zh: "京东物流", en: "JD Logistics" },
  { code: "DBL", zh: "德邦快递", en: "Deppon Express" },
];

export function carrierName(code: string | undefined, lang: string): string {
  const c = carriers.find((x) => x.code === code);
  return c ? (lang === "zh-CN" ? c.zh : c.en) : code || "";
}

/** WeChat entry scenes (developers.weixin.qq.com/miniprogram/dev/reference/scene-list.html) by translation key. */
export const scenes: Record<string, string> = {
  "1001": "discover", "1005": "search", "1006": "search", "1007": "share_single", "1008": "share_group", "1011": "scan_qr",
  "1012": "scan_qr", "1013": "scan_qr", "1014": "subscribe_msg", "1017": "scan_qr", "1025": "scan_qr", "1035": "official_menu",
  "1036": "app_share", "1037": "from_miniapp", "1038": "back_from_miniapp", "1043": "official_msg", "1044": "share_single",
  "1047": "scan_code", "1048": "scan_code", "1049": "scan_code", "1053": "search", "1058": "official_article", "1074": "official_msg",
  "1089": "recent", "1096": "chat_capsule", "1099": "plugin", "1104": "favourites", "1129": "crawler", "1154": "moments",
  "1155": "moments", "": "unknown",
};

export function sceneName(code: string | undefined, t: Translate): string {
  const key = scenes[code || ""];
  return key ? t("scene." + key) : t("scene.other", { code });
}

export interface Event { from?: string; to?: string; actor?: string; note?: string; at?: string }

/** Names for the actors the server records: "shopper", "system", "staff:<account id>". */
export function actorName(actor: string | undefined, t: Translate, names: Record<string, string> = {}, buyer?: string): string {
  if (!actor || actor === "shopper") return buyer ? t("ev.buyerNamed", { name: buyer }) : t("ev.buyer");
  if (actor === "system") return t("ev.system");
  if (actor.startsWith("staff:")) return names[actor.slice(6)] || t("ev.staff");
  return actor;
}

/** One line of an order's timeline as a sentence. */
export function describeEvent(e: Event, ctx: { t: Translate; lang: string; names?: Record<string, string>; buyer?: string; paid?: number }): string {
  const { t, lang } = ctx;
  const who = actorName(e.actor, t, ctx.names, ctx.buyer);
  const note = e.note || "";
  let m: RegExpMatchArray | null;
  if (note === "order placed") return t("ev.placed", { who });
  if ((m = note.match(/^WeChat Pay (\S+)/))) return t("ev.paid", { who, amount: money(ctx.paid), tx: m[1] });
  if ((m = note.match(/^payment arrived after close: (\S+)/))) return t("ev.paidAfterClose", { tx: m[1] });
  if ((m = note.match(/^refund (\S+) requested: (\d+) fen, ?(.*)$/))) return t("ev.refundRequested", { who, amount: money(Number(m[2])), reason: m[3] || "-" });
  if ((m = note.match(/^refund (\S+) completed: (\d+) fen/))) return t("ev.refundDone", { amount: money(Number(m[2])) });
  if ((m = note.match(/^refund (\S+) (processing|rejected) ?(.*)$/))) {
    return t(m[2] === "processing" ? "ev.refundApproved" : "ev.refundRejected", { who, note: m[3] || "-" });
  }
  if (e.to === "shipped" && e.from === "paid" && (m = note.match(/^(\S+) (.+)$/))) {
    return t("ev.shipped", { who, carrier: carrierName(m[1], lang), no: m[2] });
  }
  if (note === "received") return t("ev.received", { who });
  if (e.to === "closed" && note === "timeout") return t("ev.timeout");
  if (e.to === "closed" && note === "cancelled") return t("ev.cancelled", { who });
  const status = (s?: string) => t("status." + s, { defaultValue: s });
  const change = e.from && e.from !== e.to ? t("ev.change", { who, from: status(e.from), to: status(e.to) }) : t("ev.note", { who });
  return note ? `${change}：${note}` : change;
}

export interface AuditEntry { action?: string; actor_account_id?: string | null; actor_agency_id?: string | null; target_type?: string; target_id?: string; detail?: Record<string, unknown> }

/** One audit entry as a sentence: who did what to which thing, with the details that matter. */
export function describeAudit(e: AuditEntry, ctx: { t: Translate; names?: Record<string, string>; agencies?: Record<string, string> }): string {
  const { t } = ctx;
  const d = (e.detail || {}) as Record<string, unknown>;
  const str = (v: unknown) => (Array.isArray(v) ? v.join("、") : v === undefined || v === null ? "" : String(v));
  const role = (r: unknown) => (r ? t("role." + r, { defaultValue: String(r) }) : "");
  const vars: Record<string, unknown> = {
    title: str(d.title), name: str(d.name ?? d.agency_name), skus: str(d.skus), count: str(d.count), status: d.status ? t("status." + d.status, { defaultValue: str(d.status) }) : "",
    role: role(d.role), from: role(d.from), to: role(d.to), email: str(d.email), version: str(d.version), reason: str(d.reason), step: str(d.step),
    file: str(d.file), slug: str(d.slug), category: str(d.category), doc: d.doc_type ? t("doc." + d.doc_type, { defaultValue: str(d.doc_type) }) : "",
    changed: str(d.changed), app_id: str(d.app_id), mch_id: str(d.mch_id), categories: str(d.categories),
    target: e.target_id || "",
  };
  const text = t("audit." + (e.action || "").replace(".", "_"), { ...vars, defaultValue: "" });
  return text || t("audit.other", { action: e.action, target: `${e.target_type || ""} ${e.target_id || ""}`.trim() });
}

/** Who an audit entry names: a person by name, via an agency when one acted. */
export function auditActor(e: AuditEntry, ctx: { t: Translate; names?: Record<string, string>; agencies?: Record<string, string> }): string {
  const { t } = ctx;
  const person = e.actor_account_id ? ctx.names?.[e.actor_account_id] || t("ev.staff") : t("ev.system");
  if (e.actor_agency_id) return t("audit.viaAgency", { who: person, agency: ctx.agencies?.[e.actor_agency_id] || t("team.agency") });
  if ((e.detail as Record<string, unknown> | undefined)?.by_platform_operator) return t("audit.platform");
  return person;
}
