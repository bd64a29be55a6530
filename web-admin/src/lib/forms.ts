import type { ApiError } from "../api/client";
import i18n from "../i18n";

export type NamePath = (string | number)[];

/** A translate function (i18next's t). */
export type Translate = (key: string, opts?: Record<string, unknown>) => string;

/** "skus[2].price" → ["skus", 2, "price"] (antd Form name paths). */
export function namePath(field: string): NamePath {
  const out: NamePath = [];
  for (const part of field.split(".")) {
    const re = /([^[\]]+)|\[(\d+)\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(part))) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return out;
}

/** "skus[2].price" → "SKU 第 3 行 · 售价": the field's name as the form shows it; an unknown name stays as sent. */
export function fieldLabel(field: string, t: Translate): string {
  return namePath(field)
    .map((p) => (typeof p === "number" ? t("row", { n: p + 1 }) : t("field." + p, { defaultValue: p })))
    .join(" · ")
    .replace(/ · (第|row)/g, " $1");
}

/**
 * fieldMessage says what is wrong with one field, by its code; the numbers
 * the server put in its English message (limits) are kept. The server's
 * message is the fallback for a code not translated.
 */
export function fieldMessage(f: { code: string; message: string }, t: Translate): string {
  const nums = (f.message.match(/\d+/g) || []).map(Number);
  if (f.code === "out_of_range") {
    return nums.length >= 2 ? t("ferr.out_of_range", { min: nums[0], max: nums[1] }) : t("ferr.out_of_range_plain");
  }
  return t("ferr." + f.code, { n: nums[nums.length - 1], defaultValue: f.message });
}

/** errorText is the whole error in the reader's language: the code's text, then each field error with its field's name. */
export function errorText(err: Pick<ApiError, "code" | "message" | "fields"> & { serverMessage?: string }, t: Translate): string {
  const head = t("err." + err.code, { defaultValue: err.serverMessage ?? err.message });
  const fields = (err.fields || []).map((f) => `${fieldLabel(f.field, t)}：${fieldMessage(f, t)}`);
  return fields.length ? `${head}（${fields.join("；")}）` : head;
}

/**
 * fieldErrors turns the server's field errors into antd Form fields (inline,
 * translated by code); `known` lists the top-level fields the form shows, and
 * the rest is returned as one translated message so nothing is silently dropped.
 */
export function fieldErrors(err: ApiError, known: string[], t: Translate = i18n.t.bind(i18n) as Translate): { fields: { name: NamePath; errors: string[] }[]; rest: string } {
  const fields: { name: NamePath; errors: string[] }[] = [];
  const rest: string[] = [];
  for (const f of err.fields || []) {
    const name = namePath(f.field);
    const msg = fieldMessage(f, t);
    if (known.includes(String(name[0]))) fields.push({ name, errors: [msg] });
    else rest.push(`${fieldLabel(f.field, t)}：${msg}`);
  }
  if (!fields.length && !rest.length) rest.push(err.message);
  return { fields, rest: rest.join("；") };
}
