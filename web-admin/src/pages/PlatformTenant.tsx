import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Descriptions, Input, Modal, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, call, download } from "../api/client";
import { useBusinessCategories } from "../api/hooks";
import { PageHeader, QueryError, StatusTag, useLang } from "../components/common";

/** One store for the operator: documents to review per category, approve / reject with a reason, suspend / restore. */
export default function PlatformTenant() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const tenant = useParams().tenant!;
  const qc = useQueryClient();
  const [reject, setReject] = useState<string | null>(null);
  const [suspend, setSuspend] = useState(false);
  const [reason, setReason] = useState("");
  const { lang } = useLang();
  const bc = useBusinessCategories();
  const label = (code: string) => {
    const c = bc.data?.categories?.find((x) => x.code === code);
    return c ? (lang === "zh-CN" ? c.label_zh : c.label) : code;
  };
  const q = useQuery({ queryKey: ["platform-tenant", tenant], queryFn: () => call(api.GET("/api/v1/platform/tenants/{tenant}", { params: { path: { tenant } } })) });
  const done = () => { void qc.invalidateQueries({ queryKey: ["platform-tenant", tenant] }); void qc.invalidateQueries({ queryKey: ["reviews"] }); };
  const approve = useMutation({
    mutationFn: (category: string) => call(api.POST("/api/v1/platform/tenants/{tenant}/categories/{category}/approve", { params: { path: { tenant, category } } })),
    onSuccess: () => { message.success(t("platform.approved")); done(); },
    onError: (e) => message.error(e.message),
  });
  const rej = useMutation({
    mutationFn: () => call(api.POST("/api/v1/platform/tenants/{tenant}/categories/{category}/reject", { params: { path: { tenant, category: reject! } }, body: { reason } })),
    onSuccess: () => { setReject(null); setReason(""); done(); },
    onError: (e) => message.error(e.message),
  });
  const sus = useMutation({
    mutationFn: (on: boolean) => on
      ? call(api.POST("/api/v1/platform/tenants/{tenant}/suspend", { params: { path: { tenant } }, body: { reason } }))
      : call(api.POST("/api/v1/platform/tenants/{tenant}/restore", { params: { path: { tenant } } })),
    onSuccess: () => { setSuspend(false); setReason(""); done(); },
    onError: (e) => message.error(e.message),
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const s = q.data?.store;
  const docs = q.data?.documents || [];
  return (
    <>
      <PageHeader title={s?.name} sub={<StatusTag status={s?.status} />}
        extra={s?.status === "suspended" ? <Button onClick={() => sus.mutate(false)}>{t("platform.restore")}</Button>
          : <Button danger onClick={() => setSuspend(true)}>{t("platform.suspend")}</Button>} />
      <Descriptions bordered size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label="Slug">{s?.slug}</Descriptions.Item>
        <Descriptions.Item label={t("onb.entity")}>{t("entity." + s?.entity_type)}</Descriptions.Item>
        <Descriptions.Item label={t("common.createdAt")}>{dayjs(s?.created_at).format("YYYY-MM-DD")}</Descriptions.Item>
        {s?.status_reason && <Descriptions.Item label={t("platform.reason")}>{s.status_reason}</Descriptions.Item>}
      </Descriptions>
      <Card size="small" title={t("platform.categories")}>
        <Table rowKey="category" size="small" pagination={false} dataSource={q.data?.categories || []}
          columns={[
            { title: t("cat.category"), dataIndex: "category", render: (c: string) => label(c) },
            { title: t("common.status"), dataIndex: "status", render: (st: string) => <StatusTag status={st} /> },
            { title: t("cat.documents"), key: "docs", render: (_, c) => (
              <Space wrap>{docs.filter((d) => d.category === c.category).map((d) => (
                <Tag key={d.id} color="blue" style={{ cursor: "pointer" }}
                  onClick={() => download(`/api/v1/platform/tenants/${tenant}/files/${d.file_id}`, d.doc_type)}>{t("doc." + d.doc_type, { defaultValue: d.doc_type })} ↓</Tag>
              ))}{(c.missing_documents || []).map((m) => <Tag key={m} color="orange">{t("doc." + m, { defaultValue: m })} ✗</Tag>)}</Space>) },
            { title: "", key: "act", render: (_, c) => c.status === "pending_review" && (
              <Space>
                <Button size="small" type="primary" onClick={() => approve.mutate(c.category!)} data-testid={"approve-" + c.category}>{t("platform.approve")}</Button>
                <Button size="small" danger onClick={() => setReject(c.category!)}>{t("platform.reject")}</Button>
              </Space>) },
          ]} />
      </Card>
      <Modal open={!!reject} title={t("platform.rejectTitle")} onCancel={() => setReject(null)} onOk={() => rej.mutate()} okButtonProps={{ disabled: !reason.trim() }}>
        <Input.TextArea placeholder={t("platform.reasonHint")} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
      <Modal open={suspend} title={t("platform.suspend")} onCancel={() => setSuspend(false)} onOk={() => sus.mutate(true)} okButtonProps={{ disabled: !reason.trim(), danger: true }}>
        <Input.TextArea placeholder={t("platform.reasonHint")} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}
