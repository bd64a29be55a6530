import { useQuery } from "@tanstack/react-query";
import { Button, DatePicker, Input, Select, Space, Table } from "antd";
import { DownloadOutlined } from "@ant-design/icons";
import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs, { type Dayjs } from "dayjs";
import { api, call, download } from "../api/client";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, QueryError, StatusTag, useStore } from "../components/common";
import { yuan } from "../lib/money";

export const orderStatuses = ["pending_payment", "paid", "shipped", "completed", "closed", "refunded"];

/** Orders with filters, search by number, keyset pages and CSV export of the same filter. */
export default function Orders() {
  const { t } = useTranslation();
  const store = useStore();
  const [params] = useSearchParams();
  const [filters, setFilters] = useState<{ status?: string; q?: string; from?: string; to?: string; member_id?: string }>({ member_id: params.get("member") || undefined });
  const pager = usePager();
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["orders", store, filters, cursor],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/orders", { params: { path: { store }, query: { ...filters, cursor, limit: 20 } } })),
    refetchInterval: 10_000,
  });
  const set = (f: Partial<typeof filters>) => {
    setFilters({ ...filters, ...f });
    pager.reset();
  };
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const qs = new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]).toString();
  return (
    <>
      <PageHeader title={t("nav.orders")}
        extra={<Button icon={<DownloadOutlined />} onClick={() => download(`/api/v1/stores/${store}/orders/export?${qs}`, "orders.csv")}>{t("common.export")}</Button>} />
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t("order.searchNo")} onSearch={(v) => set({ q: v || undefined })} style={{ width: 220 }} />
        <Select allowClear placeholder={t("common.status")} style={{ width: 160 }} onChange={(v) => set({ status: v })}
          options={orderStatuses.map((s) => ({ value: s, label: t("status." + s) }))} />
        <DatePicker.RangePicker onChange={(r) => set({ from: r?.[0] ? (r[0] as Dayjs).startOf("day").toISOString() : undefined, to: r?.[1] ? (r[1] as Dayjs).endOf("day").toISOString() : undefined })} />
        {filters.member_id && <Button onClick={() => set({ member_id: undefined })}>{t("order.allMembers")}</Button>}
      </Space>
      <Table rowKey="id" loading={q.isLoading} dataSource={q.data?.items || []} pagination={false}
        locale={{ emptyText: <EmptyState text={t("order.empty")} /> }}
        columns={[
          { title: t("order.no"), dataIndex: "order_no", render: (v, r) => <Link to={`/stores/${store}/orders/${r.id}`} data-testid={"order-" + v}>{v}</Link> },
          { title: t("order.items"), key: "items", render: (_, r) => (r.lines || []).map((l) => `${l.title} ×${l.quantity}`).join("，") },
          { title: t("order.total"), dataIndex: "total", align: "right", render: (v: number) => "¥" + yuan(v) },
          { title: t("common.status"), dataIndex: "status", render: (s: string, r) => <Space size={2}><StatusTag status={s} />{r.flag && <StatusTag status={r.flag} />}</Space> },
          { title: t("order.source"), dataIndex: "entry_scene" },
          { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm") },
        ]} />
      <Pager pager={pager} next={q.data?.next_cursor} />
    </>
  );
}
