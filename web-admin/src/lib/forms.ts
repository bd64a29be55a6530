import type { ApiError } from "../api/client";

export type NamePath = (string | number)[];

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

/**
 * fieldErrors turns the server's field errors into antd Form fields (inline
 * errors); `known` lists the top-level fields the form shows, and the rest is
 * returned as one message so nothing is silently dropped.
 */
export function fieldErrors(err: ApiError, known: string[]): { fields: { name: NamePath; errors: string[] }[]; rest: string } {
  const fields: { name: NamePath; errors: string[] }[] = [];
  const rest: string[] = [];
  for (const f of err.fields || []) {
    const name = namePath(f.field);
    if (known.includes(String(name[0]))) fields.push({ name, errors: [f.message] });
    else rest.push(`${f.field}: ${f.message}`);
  }
  if (!fields.length && !rest.length) rest.push(err.message);
  return { fields, rest: rest.join("; ") };
}
