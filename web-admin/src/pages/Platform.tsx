import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Statistic, Table, Tabs } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, ApiError, call, type Schemas } from "../api/client";
import { Pager, usePager } from "../components/Pager";
import { useBusinessCategories } from "../api/hooks";
import { EmptyState, PageHeader, QueryError, StatusTag, useLang } from "../components/common";
import { fieldErrors } from "../lib/forms";
import { RolloutTable } from "./Agency";

function Tenants() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<{ q?: string; status?: string; pending?: boolean }>({});
  const pager = usePager();
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["platform-tenants", filters, cursor],
    queryFn: () => call(api.GET("/api/v1/platform/tenants", { params: { query: { ...filters, cursor } } })),
  });
  const set = (f: Partial<typeof filters>) => { setFilters({ ...filters, ...f }); pager.reset(); };
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t("platform.search")} onSearch={(v) => set({ q: v || undefined })} style={{ width: 240 }} />
        <Select allowClear placeholder={t("common.status")} style={{ width: 140 }} onChange={(v) => set({ status: v })}
          options={["active", "suspended"].map((s) => ({ value: s, label: t("status." + s) }))} />
        <Select allowClear placeholder={t("platform.review")} style={{ width: 180 }} onChange={(v) => set({ pending: v })}
          options={[{ value: true, label: t("platform.pendingOnly") }]} />
      </Space>
      <Table rowKey="id" dataSource={q.data?.items || []} pagination={false} loading={q.isLoading}
        columns={[
          { title: t("stores.store"), dataIndex: "name", render: (v, r) => <Link to={`/platform/tenants/${r.id}`}>{v}</Link> },
          { title: "Slug", dataIndex: "slug" },
          { title: t("onb.entity"), dataIndex: "entity_type", render: (e: string) => t("entity." + e) },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          { title: t("platform.pending"), dataIndex: "pending_reviews" },
          { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD") },
        ]} />
      <Pager pager={pager} next={q.data?.next_cursor} />
    </>
  );
}

function Reviews() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const bc = useBusinessCategories();
  const label = (code: string) => {
    const c = bc.data?.categories?.find((x) => x.code === code);
    return c ? (lang === "zh-CN" ? c.label_zh : c.label) : code;
  };
  const q = useQuery({ queryKey: ["reviews"], queryFn: () => call(api.GET("/api/v1/platform/reviews")), refetchInterval: 10_000 });
  return (
    <Table rowKey={(r) => r.tenant_id! + r.category} dataSource={q.data?.items || []} pagination={false} loading={q.isLoading}
      locale={{ emptyText: <EmptyState text={t("platform.noReviews")} /> }}
      columns={[
        { title: t("stores.store"), dataIndex: "store_name", render: (v: string, r) => <Link to={`/platform/tenants/${r.tenant_id}`} data-testid="review-link">{v}</Link> },
        { title: t("cat.category"), dataIndex: "category", render: (c: string) => label(c) },
        { title: t("platform.submitted"), dataIndex: "submitted_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm") },
      ]} />
  );
}

function Rollouts() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const templates = useQuery({ queryKey: ["platform-templates"], retry: false, queryFn: () => call(api.GET("/api/v1/platform/miniapp/templates")) });
  const list = useQuery({ queryKey: ["platform-rollouts"], retry: false, queryFn: () => call(api.GET("/api/v1/platform/miniapp/rollouts")) });
  const start = useMutation({
    mutationFn: (v: Schemas["publish.RolloutInput"]) => call(api.POST("/api/v1/platform/miniapp/rollouts", { body: v })),
    onSuccess: () => { message.success(t("rollout.started")); void qc.invalidateQueries({ queryKey: ["platform-rollouts"] }); },
    onError: (e) => { if (e instanceof ApiError) { const fe = fieldErrors(e, ["template_id", "version", "concurrency", "stores"]); form.setFields(fe.fields); if (fe.rest) message.error(fe.rest); } },
  });
  if (templates.error) return <QueryError error={templates.error} retry={() => void templates.refetch()} />;
  return (
    <>
      <Card size="small" title={t("rollout.new")} style={{ marginBottom: 12 }}>
        <Form form={form} layout="inline" initialValues={{ concurrency: 10, auto_release: true }} onFinish={(v) => start.mutate({ ...v, stores: [] })}>
          <Form.Item name="template_id" label={t("pub.template")} rules={[{ required: true }]}>
            <Select style={{ width: 240 }} options={(templates.data?.items || []).map((x) => ({ value: x.template_id, label: `${x.template_id} · ${x.user_version} · ${x.user_desc}` }))} />
          </Form.Item>
          <Form.Item name="version" label={t("pub.version")} rules={[{ required: true }]}><Input style={{ width: 100 }} /></Form.Item>
          <Form.Item name="concurrency" label={t("rollout.concurrency")}><InputNumber min={1} max={100} /></Form.Item>
          <Button type="primary" htmlType="submit" loading={start.isPending}>{t("rollout.startAll")}</Button>
        </Form>
      </Card>
      <RolloutTable items={list.data?.items || []} get={(id) => call(api.GET("/api/v1/platform/miniapp/rollouts/{rollout}", { params: { path: { rollout: id } } }))} />
    </>
  );
}

function Jobs() {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["jobs"], queryFn: () => call(api.GET("/api/v1/platform/jobs")), refetchInterval: 3000 });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const d = q.data;
  return (
    <Row gutter={[16, 16]}>
      {(["pending", "active", "scheduled", "retry", "archived", "processed_today", "failed_today"] as const).map((k) => (
        <Col key={k} xs={12} md={6}><Card size="small"><Statistic title={t("jobs." + k)} value={d?.[k] ?? 0} /></Card></Col>
      ))}
    </Row>
  );
}

/** The platform operator's console: stores, the document review queue, template rollouts and the job queue. */
export default function Platform() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("nav.platform")} />
      <Tabs items={[
        { key: "reviews", label: t("platform.reviews"), children: <Reviews /> },
        { key: "tenants", label: t("platform.tenants"), children: <Tenants /> },
        { key: "rollouts", label: t("rollout.title"), children: <Rollouts /> },
        { key: "jobs", label: t("platform.jobs"), children: <Jobs /> },
      ]} />
    </>
  );
}
