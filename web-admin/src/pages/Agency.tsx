import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, InputNumber, Select, Space, Table, Tabs, Typography } from "antd";
import { useNavigate, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, ApiError, call, type Schemas } from "../api/client";
import { useStoreKPIs } from "../api/hooks";
import { EmptyState, PageHeader, QueryError, StatusTag } from "../components/common";
import { fieldErrors } from "../lib/forms";
import { yuan } from "../lib/money";

function AgencyList() {
  const { t } = useTranslation();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ["agencies"], queryFn: () => call(api.GET("/api/v1/agencies")) });
  const create = useMutation({
    mutationFn: (v: { name: string }) => call(api.POST("/api/v1/agencies", { body: v })),
    onSuccess: (a) => { void qc.invalidateQueries({ queryKey: ["agencies"] }); nav(`/agencies/${a.id}`); },
    onError: (e) => message.error(e.message),
  });
  return (
    <>
      <PageHeader title={t("nav.agencies")} sub={t("agency.sub")} />
      <Form form={form} layout="inline" onFinish={(v) => create.mutate(v)} style={{ marginBottom: 16 }}>
        <Form.Item name="name" rules={[{ required: true }]}><Input placeholder={t("agency.name")} /></Form.Item>
        <Button type="primary" htmlType="submit">{t("agency.create")}</Button>
      </Form>
      <Table rowKey="id" dataSource={q.data?.items || []} pagination={false} loading={q.isLoading}
        locale={{ emptyText: <EmptyState text={t("agency.empty")} /> }}
        onRow={(a) => ({ onClick: () => nav(`/agencies/${a.id}`), style: { cursor: "pointer" } })}
        columns={[{ title: t("agency.name"), dataIndex: "name" }, { title: "ID", dataIndex: "id", render: (v: string) => <Typography.Text copyable code>{v}</Typography.Text> },
          { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD") }]} />
    </>
  );
}

/** The agency's workspace: every store it operates with health and KPIs side by side, its people, and template rollouts. */
function Workspace({ agency }: { agency: string }) {
  const { t } = useTranslation();
  const nav = useNavigate();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [rollForm] = Form.useForm();
  const agencies = useQuery({ queryKey: ["agencies"], queryFn: () => call(api.GET("/api/v1/agencies")) });
  const stores = useQuery({ queryKey: ["agency-stores", agency], queryFn: () => call(api.GET("/api/v1/agencies/{agency}/stores", { params: { path: { agency } } })) });
  const members = useQuery({ queryKey: ["agency-members", agency], queryFn: () => call(api.GET("/api/v1/agencies/{agency}/members", { params: { path: { agency } } })) });
  const rollouts = useQuery({
    queryKey: ["rollouts", agency], retry: false,
    queryFn: () => call(api.GET("/api/v1/agencies/{agency}/rollouts", { params: { path: { agency } } })),
  });
  const list = stores.data?.items || [];
  const kpis = useStoreKPIs(list.map((s) => s.id!));
  const add = useMutation({
    mutationFn: (v: { email: string; role: string }) => call(api.POST("/api/v1/agencies/{agency}/members", { params: { path: { agency } }, body: v })),
    onSuccess: () => { form.resetFields(); void qc.invalidateQueries({ queryKey: ["agency-members", agency] }); },
    onError: (e) => message.error(e.message),
  });
  const roll = useMutation({
    mutationFn: (v: Schemas["publish.RolloutInput"]) => call(api.POST("/api/v1/agencies/{agency}/rollouts", { params: { path: { agency } }, body: v })),
    onSuccess: () => { message.success(t("rollout.started")); void qc.invalidateQueries({ queryKey: ["rollouts", agency] }); },
    onError: (e) => { if (e instanceof ApiError) { const fe = fieldErrors(e, ["template_id", "version", "stores", "concurrency"]); rollForm.setFields(fe.fields); if (fe.rest) message.error(fe.rest); } },
  });
  if (stores.error) return <QueryError error={stores.error} retry={() => void stores.refetch()} />;
  const name = agencies.data?.items?.find((a) => a.id === agency)?.name;
  return (
    <>
      <PageHeader title={name || t("nav.agencies")} sub={<>ID <Typography.Text copyable code>{agency}</Typography.Text></>} />
      <Tabs items={[
        { key: "stores", label: t("agency.stores"), children: (
          <Table rowKey="id" dataSource={list} pagination={false} data-testid="agency-stores"
            locale={{ emptyText: <EmptyState text={t("agency.noStores")} /> }}
            onRow={(s) => ({ onClick: () => nav(`/stores/${s.id}/dashboard`), style: { cursor: "pointer" } })}
            columns={[
              { title: t("stores.store"), dataIndex: "name" },
              { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
              { title: t("team.role"), dataIndex: "role", render: (r: string) => t("role." + r) },
              { title: t("dash.gmv7"), key: "gmv", render: (_, __, i) => kpis[i]?.data ? "¥" + yuan(kpis[i].data!.gmv) : "—" },
              { title: t("dash.paidOrders"), key: "orders", render: (_, __, i) => kpis[i]?.data?.paid_orders ?? "—" },
              { title: t("dash.conversion"), key: "conv", render: (_, __, i) => kpis[i]?.data ? ((kpis[i].data!.conversion || 0) * 100).toFixed(1) + "%" : "—" },
            ]} />) },
        { key: "people", label: t("agency.people"), children: (
          <>
            <Form form={form} layout="inline" onFinish={(v) => add.mutate(v)} initialValues={{ role: "member" }} style={{ marginBottom: 12 }}>
              <Form.Item name="email" rules={[{ required: true, type: "email" }]}><Input placeholder={t("auth.email")} /></Form.Item>
              <Form.Item name="role"><Select style={{ width: 140 }} options={[{ value: "admin", label: t("role.admin") }, { value: "member", label: t("role.member") }]} /></Form.Item>
              <Button htmlType="submit" type="primary">{t("common.add")}</Button>
            </Form>
            <Table rowKey="account_id" size="small" dataSource={members.data?.items || []} pagination={false}
              columns={[{ title: t("auth.email"), dataIndex: "email" }, { title: t("team.role"), dataIndex: "role", render: (r: string) => t("role." + r) }]} />
          </>) },
        { key: "rollouts", label: t("rollout.title"), children: (
          <>
            <Card size="small" title={t("rollout.new")} style={{ marginBottom: 12 }}>
              <Form form={rollForm} layout="inline" initialValues={{ concurrency: 5, auto_release: true }} onFinish={(v) => roll.mutate({ ...v, stores: v.stores || [] })} style={{ rowGap: 8 }}>
                <Form.Item name="template_id" label={t("pub.template")} rules={[{ required: true }]}><InputNumber min={1} /></Form.Item>
                <Form.Item name="version" label={t("pub.version")} rules={[{ required: true }]}><Input style={{ width: 100 }} /></Form.Item>
                <Form.Item name="stores" label={t("agency.stores")}><Select mode="multiple" allowClear style={{ minWidth: 240 }} placeholder={t("rollout.allStores")}
                  options={list.map((s) => ({ value: s.id!, label: s.name }))} /></Form.Item>
                <Form.Item name="concurrency" label={t("rollout.concurrency")}><InputNumber min={1} max={100} /></Form.Item>
                <Button type="primary" htmlType="submit" loading={roll.isPending}>{t("rollout.start")}</Button>
              </Form>
            </Card>
            <RolloutTable items={rollouts.data?.items || []}
              get={(id) => call(api.GET("/api/v1/agencies/{agency}/rollouts/{rollout}", { params: { path: { agency, rollout: id } } }))} />
          </>) },
      ]} />
    </>
  );
}

function RolloutItems({ id, get }: { id: string; get: (id: string) => Promise<Schemas["publish.Rollout"]> }) {
  const { t } = useTranslation();
  const q = useQuery({ queryKey: ["rollout", id], queryFn: () => get(id), refetchInterval: 2000 });
  return (
    <Table rowKey="store_id" size="small" pagination={false} dataSource={q.data?.items || []} loading={q.isLoading}
      title={() => Object.entries(q.data?.counts || {}).map(([k, v]) => `${t("status." + k, { defaultValue: k })} ${v}`).join(" · ")}
      columns={[
        { title: t("stores.store"), dataIndex: "store_id", render: (v: string) => <Typography.Text code>{v.slice(0, 8)}</Typography.Text> },
        { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
        { title: t("rollout.error"), dataIndex: "error" },
      ]} />
  );
}

/** Rollouts, each expandable into its result per store. */
export function RolloutTable({ items, get }: { items: Schemas["publish.Rollout"][]; get: (id: string) => Promise<Schemas["publish.Rollout"]> }) {
  const { t } = useTranslation();
  return (
    <Table rowKey="id" size="small" dataSource={items} pagination={{ pageSize: 10, hideOnSinglePage: true }}
      expandable={{ expandedRowRender: (r) => <RolloutItems id={r.id!} get={get} /> }}
      columns={[
        { title: t("pub.version"), dataIndex: "version" },
        { title: t("pub.template"), dataIndex: "template_id" },
        { title: t("rollout.stores"), dataIndex: "total" },
        { title: t("rollout.concurrency"), dataIndex: "concurrency" },
        { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm") },
      ]} />
  );
}

export default function Agency() {
  const agency = useParams().agency;
  return agency ? <Space direction="vertical" style={{ width: "100%" }}><Workspace agency={agency} /></Space> : <AgencyList />;
}
