import { Button, Modal } from "antd";
import { PrinterOutlined } from "@ant-design/icons";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import type { Schemas } from "../api/client";

// On paper only the packing list shows, one order a page; the console behind the dialog is hidden.
const printCSS = `
@media print {
  body * { visibility: hidden; }
  .packing-list, .packing-list * { visibility: visible; }
  .packing-list { position: absolute; inset: 0 auto auto 0; width: 100%; }
  .packing-slip { break-after: page; }
  .packing-slip:last-child { break-after: auto; }
}
.packing-slip { padding: 12px 0; border-bottom: 1px dashed #bfbfbf; }
.packing-slip table { width: 100%; border-collapse: collapse; margin-top: 8px; }
.packing-slip th, .packing-slip td { border: 1px solid #d9d9d9; padding: 4px 8px; text-align: left; }
.packing-slip td.qty, .packing-slip th.qty { text-align: right; width: 64px; }
`;

/** A print view of the selected orders: for each, the number, the recipient and address, the buyer's remark and
 * the lines with their quantities (no prices: it travels in the parcel). */
export function PackingList({ open, orders, onClose }: { open: boolean; orders: Schemas["order.Order"][]; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal open={open} onCancel={onClose} title={t("order.packingList")} width={820}
      footer={[
        <Button key="close" onClick={onClose}>{t("common.close")}</Button>,
        <Button key="print" type="primary" icon={<PrinterOutlined />} onClick={() => window.print()} data-testid="print-now">{t("order.print")}</Button>,
      ]}>
      <style>{printCSS}</style>
      <div className="packing-list" data-testid="packing-list">
        {orders.map((o) => {
          const a = (o.address || {}) as Record<string, string>;
          const count = (o.lines || []).reduce((n, l) => n + (l.quantity || 0), 0);
          return (
            <section key={o.id} className="packing-slip" aria-label={t("order.no") + " " + o.order_no}>
              <h3 style={{ margin: "0 0 4px" }}>{t("order.packingList")} · {t("order.no")} {o.order_no}</h3>
              <div>{t("common.createdAt")}：{dayjs(o.created_at).format("YYYY-MM-DD HH:mm")}</div>
              <div>{t("order.recipient")}：{a.name} {a.phone}</div>
              <div>{t("order.address")}：{[a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")}</div>
              {o.remark && <div>{t("order.remark")}：{o.remark}</div>}
              <table>
                <thead><tr><th>{t("order.items")}</th><th>{t("product.specs")}</th><th className="qty">{t("dash.quantity")}</th></tr></thead>
                <tbody>
                  {(o.lines || []).map((l) => (
                    <tr key={l.id}>
                      <td>{l.title}</td>
                      <td>{Object.entries((l.spec || {}) as Record<string, string>).map(([k, v]) => `${k}:${v}`).join(" ")}</td>
                      <td className="qty">{l.quantity}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div style={{ marginTop: 4, textAlign: "right" }}>{t("order.quantityTotal", { count })}</div>
            </section>
          );
        })}
      </div>
    </Modal>
  );
}
