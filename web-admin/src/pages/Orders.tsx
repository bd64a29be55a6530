import { useQuery } from "@tanstack/react-query";
import { Badge, Button, DatePicker, Input, Space, Table, Tabs, Tag, Typography } from "antd";
import { DownloadOutlined, PrinterOutlined } from "@ant-design/icons";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs, { type Dayjs } from "dayjs";
import { api, call, download, type Schemas } from "../api/client";
import { ProductImage } from "../components/AuthImage";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, PageSkeleton, QueryError, StatusTag, useStore } from "../components/common";
import { sceneName } from "../lib/describe";
import type { Translate } from "../lib/forms";
import { money } from "../lib/money";
import { PackingList } from "../components/PackingList";

export const orderStatuses = ["pending_payment", "paid", "shipped", "completed", "closed", "refunded"];
// The tabs an operator works through, in order; after_sale is orders with a refund open.
const tabs = ["all", "pending_payment", "paid", "shipped", "completed", "after_sale", "closed"] as const;

/** Orders by status tab (with counts), search by number, buyer or phone, date range, keyset pages, CSV export of the
 * same filter and a printable packing list of the selected orders. */
export default function Orders() {
  const { t } = useTranslation();
  const store = useStore();
  const [params] = useSearchParams();
  const [filters, setFilters] = useState<{ status?: string; q?: string; from?: string; to?: string; member_id?: string }>({ member_id: params.get("member") || undefined });
  const pager = usePager();
  const [selected, setSelected] = useState<Schemas["order.Order"][]>([]);
  const [printing, setPrinting] = useState(false);
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["orders", store, filters, cursor],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/orders", { params: { path: { store }, query: { ...filters, cursor, limit: 20 } } })),
    refetchInterval: 10_000,
  });
  const counts = useQuery({
    queryKey: ["orders", store, "counts"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/orders/counts", { params: { path: { store } } })),
    refetchInterval: 10_000,
  });
  const set = (f: Partial<typeof filters>) => {
    setFilters({ ...filters, ...f });
    pager.reset();
  };
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]).toString();
  const c = (counts.data || {}) as Record<string, number>;
  return (
    <>
      <PageHeader title={t("nav.orders")}
        extra={<Space wrap>
          <Button icon={<PrinterOutlined />} disabled={!selected.length} onClick={() => setPrinting(true)} data-testid="print-packing">
            {t("order.packingList")}{selected.length ? ` (${selected.length})` : ""}</Button>
          <Button icon={<DownloadOutlined />} onClick={() => download(`/api/v1/stores/${store}/orders/export?${qs}`, "orders.csv")}>{t("common.export")}</Button>
        </Space>} />
      <PackingList open={printing} orders={selected} onClose={() => setPrinting(false)} />
      <Tabs activeKey={filters.status || "all"} onChange={(k) => set({ status: k === "all" ? undefined : k })} data-testid="order-tabs"
        items={tabs.map((k) => ({
          key: k,
          label: <span data-testid={"tab-" + k}>{t(k === "all" ? "order.tabAll" : k === "after_sale" ? "order.afterSale" : "status." + k)}
            {c[k] ? <Badge count={c[k]} overflowCount={999} color={k === "paid" || k === "after_sale" ? "#d4380d" : "#8c8c8c"} style={{ marginInlineStart: 6 }} /> : null}</span>,
        }))} />
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t("order.search")} aria-label={t("order.search")} onSearch={(v) => set({ q: v.trim() || undefined })} style={{ width: 280, maxWidth: "100%" }} data-testid="order-search" />
        <DatePicker.RangePicker style={{ maxWidth: "100%" }} onChange={(r) => set({ from: r?.[0] ? (r[0] as Dayjs).startOf("day").toISOString() : undefined, to: r?.[1] ? (r[1] as Dayjs).endOf("day").toISOString() : undefined })} />
        {filters.member_id && <Button onClick={() => set({ member_id: undefined })}>{t("order.allMembers")}</Button>}
      </Space>
      {q.isLoading ? <PageSkeleton /> : (
        <Table rowKey="id" dataSource={q.data?.items || []} pagination={false} scroll={{ x: 900 }}
          rowSelection={{ preserveSelectedRowKeys: true, selectedRowKeys: selected.map((o) => o.id!),
            onChange: (_, rows) => setSelected(rows.filter(Boolean)),
            getCheckboxProps: (r) => ({ "aria-label": t("order.select", { no: r.order_no }) }) as object,
            getTitleCheckboxProps: () => ({ "aria-label": t("order.selectAll") }) as object }}
          locale={{ emptyText: <EmptyState text={filters.q || filters.status ? t("order.noMatch") : t("order.empty")} /> }}
          columns={[
            { title: t("order.items"), key: "items", render: (_, r) => (
              <Space direction="vertical" size={4}>
                {(r.lines || []).map((l) => (
                  <Space key={l.id} size={8} align="start">
                    {l.image ? <ProductImage store={store} file={l.image} size={40} alt={l.title} /> : <div style={{ width: 40, height: 40, background: "#f5f5f5", borderRadius: 4 }} />}
                    <div style={{ maxWidth: 260 }}>
                      <Typography.Text ellipsis={{ tooltip: l.title }} style={{ maxWidth: 260 }}>{l.title}</Typography.Text>
                      <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {Object.values((l.spec || {}) as Record<string, string>).join(" ")} ×{l.quantity}
                      </Typography.Text></div>
                    </div>
                  </Space>
                ))}
              </Space>) },
            { title: t("order.no"), dataIndex: "order_no", render: (v, r) => (
              <>
                <Link to={`/stores/${store}/orders/${r.id}`} data-testid={"order-" + v}>{v}</Link>
                <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{dayjs(r.created_at).format("YYYY-MM-DD HH:mm")}</Typography.Text></div>
              </>) },
            { title: t("order.buyer"), key: "buyer", render: (_, r) => {
              const a = (r.address || {}) as Record<string, string>;
              return <>{a.name || "-"}<div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{a.phone}</Typography.Text></div></>;
            } },
            { title: t("order.total"), dataIndex: "total", align: "right", render: (v: number) => money(v) },
            { title: t("common.status"), dataIndex: "status", render: (s: string, r) => (
              <Space size={2} wrap>
                <StatusTag status={s} />
                {r.flag && <StatusTag status={r.flag} />}
                {r.refund_pending && <Tag color="red" data-testid="refund-pending">{t("order.refundPending")}</Tag>}
                {(r.refunded_total || 0) > 0 && <Tag color="purple">{t("order.refunded")} {money(r.refunded_total)}</Tag>}
              </Space>) },
            { title: t("order.source"), dataIndex: "entry_scene", render: (v: string) => sceneName(v, t as Translate) },
          ]} />
      )}
      <Pager pager={pager} next={q.data?.next_cursor} />
    </>
  );
}
