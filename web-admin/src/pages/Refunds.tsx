import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Checkbox, Input, Modal, Select, Space, Table } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, call, type Schemas } from "../api/client";
import { EmptyState, PageHeader, QueryError, SrLabel, StatusTag, useStore } from "../components/common";
import { yuan } from "../lib/money";

/** Refund requests with approve / reject (and whether the goods came back to stock). */
export function RefundTable({ store, orderId, status }: { store: string; orderId?: string; status?: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [review, setReview] = useState<{ r: Schemas["order.Refund"]; approve: boolean } | null>(null);
  const [note, setNote] = useState("");
  const [restock, setRestock] = useState(true);
  const q = useQuery({
    queryKey: ["refunds", store, status],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/refunds", { params: { path: { store }, query: { status } } })),
    refetchInterval: (q) => (q.state.data?.items?.some((r) => r.status === "processing") ? 1000 : false),
  });
  const act = useMutation({
    mutationFn: () => call(api.POST("/api/v1/stores/{store}/refunds/{refund}/review", { params: { path: { store, refund: review!.r.id! } },
      body: { approve: review!.approve, note, restock } })),
    onSuccess: () => {
      setReview(null);
      setNote("");
      void qc.invalidateQueries({ queryKey: ["refunds", store] });
      void qc.invalidateQueries({ queryKey: ["order", store] });
    },
    onError: (e) => message.error(e.message),
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const rows = (q.data?.items || []).filter((r) => !orderId || r.order_id === orderId);
  return (
    <>
      <Table rowKey="id" size="small" loading={q.isLoading} dataSource={rows} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <EmptyState text={t("refund.empty")} /> }}
        columns={[
          ...(orderId ? [] : [{ title: t("order.no"), dataIndex: "order_id", render: (id: string) => <Link to={`/stores/${store}/orders/${id}`}>{t("refund.viewOrder")}</Link> }]),
          { title: t("refund.amount"), dataIndex: "amount", render: (v: number) => "¥" + yuan(v) },
          { title: t("refund.reason"), dataIndex: "reason" },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("MM-DD HH:mm") },
          { title: "", key: "act", render: (_: unknown, r: Schemas["order.Refund"]) => r.status === "requested" && (
            <Space>
              <Button size="small" type="primary" onClick={() => setReview({ r, approve: true })} data-testid="approve-refund">{t("refund.approve")}</Button>
              <Button size="small" danger onClick={() => setReview({ r, approve: false })}>{t("refund.reject")}</Button>
            </Space>) },
        ]} />
      <Modal open={!!review} title={review?.approve ? t("refund.approve") : t("refund.reject")} onCancel={() => setReview(null)} onOk={() => act.mutate()}
        confirmLoading={act.isPending} okButtonProps={{ id: "confirm-refund" }}>
        <Input.TextArea placeholder={t("refund.note")} value={note} onChange={(e) => setNote(e.target.value)} />
        {review?.approve && <Checkbox checked={restock} onChange={(e) => setRestock(e.target.checked)} style={{ marginTop: 8 }}>{t("refund.restock")}</Checkbox>}
      </Modal>
    </>
  );
}

export default function Refunds() {
  const { t } = useTranslation();
  const store = useStore();
  const [status, setStatus] = useState<string | undefined>("requested");
  return (
    <>
      <PageHeader title={t("nav.refunds")} sub={t("refund.sub")}
        extra={<><SrLabel htmlFor="refund-status">{t("common.status")}</SrLabel><Select id="refund-status" allowClear value={status} onChange={setStatus} style={{ width: 160 }} placeholder={t("common.status")}
          options={["requested", "processing", "succeeded", "rejected", "failed"].map((s) => ({ value: s, label: t("status." + s) }))} /></>} />
      <RefundTable store={store} status={status} />
    </>
  );
}
