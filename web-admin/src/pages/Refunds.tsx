import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Checkbox, Input, Modal, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, call, type Schemas } from "../api/client";
import { EmptyState, PageHeader, QueryError, SrLabel, StatusTag, useStore } from "../components/common";
import { yuan } from "../lib/money";

/** Refund requests (order number, buyer, lines, amount) with approve / reject; the dialog restates the amount and
 * whether the goods go back to stock, and the outcome is said. */
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
      const r = review!;
      message.success(r.approve ? t("refund.approvedMsg", { amount: "¥" + yuan(r.r.amount || 0) }) : t("refund.rejectedMsg"));
      setReview(null);
      setNote("");
      void qc.invalidateQueries({ queryKey: ["refunds", store] });
      void qc.invalidateQueries({ queryKey: ["order", store] });
    },
    onError: (e) => message.error(t("refund.failedMsg", { error: e.message })),
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const rows = (q.data?.items || []).filter((r) => !orderId || r.order_id === orderId);
  return (
    <>
      <Table rowKey="id" size="small" loading={q.isLoading} dataSource={rows} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <EmptyState text={t("refund.empty")} /> }}
        columns={[
          ...(orderId ? [] : [
            { title: t("order.no"), dataIndex: "order_id", render: (id: string, r: Schemas["order.Refund"]) => (
              <Link to={`/stores/${store}/orders/${id}`} data-testid="refund-order">{r.order?.order_no || t("refund.viewOrder")}</Link>) },
            { title: t("order.buyer"), key: "buyer", render: (_: unknown, r: Schemas["order.Refund"]) => (
              <>{r.order?.buyer || "-"}<div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.order?.phone}</Typography.Text></div></>) },
          ]),
          { title: t("order.items"), key: "items", render: (_: unknown, r: Schemas["order.Refund"]) => (
            <Space direction="vertical" size={0}>
              {(r.order?.items || []).map((it, i) => (
                <span key={i}>{it.title}{Object.keys(it.spec || {}).length ? <Typography.Text type="secondary"> {Object.values(it.spec || {}).join(" ")}</Typography.Text> : null} ×{it.quantity}</span>
              ))}
            </Space>) },
          { title: t("refund.amount"), dataIndex: "amount", align: "right" as const, render: (v: number) => "¥" + yuan(v) },
          { title: t("refund.reason"), dataIndex: "reason" },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("MM-DD HH:mm") },
          { title: "", key: "act", render: (_: unknown, r: Schemas["order.Refund"]) => r.status === "requested" && (
            <Space>
              <Button size="small" type="primary" onClick={() => setReview({ r, approve: true })} data-testid="approve-refund">{t("refund.approve")}</Button>
              <Button size="small" danger onClick={() => setReview({ r, approve: false })}>{t("refund.reject")}</Button>
            </Space>) },
        ]} />
      <Modal open={!!review} title={review?.approve ? t("refund.approveTitle") : t("refund.rejectTitle")} onCancel={() => setReview(null)} onOk={() => act.mutate()}
        okText={review?.approve ? t("refund.approveOk", { amount: "¥" + yuan(review.r.amount || 0) }) : t("refund.reject")}
        okButtonProps={{ id: "confirm-refund", danger: review ? !review.approve : false }} confirmLoading={act.isPending}>
        {review && (
          <Alert type={review.approve ? "warning" : "info"} showIcon style={{ marginBottom: 12 }} data-testid="refund-restate"
            message={review.approve
              ? t("refund.approveRestate", { amount: "¥" + yuan(review.r.amount || 0), no: review.r.order?.order_no || "", buyer: review.r.order?.buyer || t("ev.buyer") })
              : t("refund.rejectRestate", { amount: "¥" + yuan(review.r.amount || 0), no: review.r.order?.order_no || "" })}
            description={review.approve ? (restock ? t("refund.restockYes") : t("refund.restockNo")) : undefined} />
        )}
        <SrLabel htmlFor="refund-note">{t("refund.note")}</SrLabel>
        <Input.TextArea id="refund-note" placeholder={t("refund.note")} value={note} onChange={(e) => setNote(e.target.value)} />
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
