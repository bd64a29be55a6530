import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Popconfirm, Select, Table, Tabs, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useStaffNames } from "../api/hooks";
import { auditActor, describeAudit, type AuditEntry } from "../lib/describe";
import type { Translate } from "../lib/forms";
import dayjs from "dayjs";
import { api, ApiError, call } from "../api/client";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, QueryError, SrLabel, useStore } from "../components/common";
import { fieldErrors } from "../lib/forms";

export const roles = ["owner", "admin", "catalog_manager", "order_clerk", "viewer"];

function Staff({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["staff", store], queryFn: () => call(api.GET("/api/v1/stores/{store}/staff", { params: { path: { store } } })) });
  const done = () => void qc.invalidateQueries({ queryKey: ["staff", store] });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  return (
    <Table rowKey="account_id" size="small" dataSource={q.data?.items || []} pagination={false} loading={q.isLoading}
      columns={[
        { title: t("auth.name"), dataIndex: "name" },
        { title: t("auth.email"), dataIndex: "email" },
        { title: t("team.role"), dataIndex: "role", render: (r: string, m) => (
          <><SrLabel htmlFor={"role-" + m.account_id}>{t("team.role")} {m.name || m.email}</SrLabel><Select id={"role-" + m.account_id} size="small" value={r} style={{ width: 160 }} options={roles.map((x) => ({ value: x, label: t("role." + x) }))}
            onChange={async (role) => {
              try {
                await call(api.PATCH("/api/v1/stores/{store}/staff/{account}", { params: { path: { store, account: m.account_id! } }, body: { role } }));
                done();
              } catch (e) { message.error((e as Error).message); }
            }} /></>) },
        { title: "", key: "rm", render: (_, m) => (
          <Popconfirm title={t("team.removeConfirm")} onConfirm={async () => {
            try {
              await call(api.DELETE("/api/v1/stores/{store}/staff/{account}", { params: { path: { store, account: m.account_id! } } }));
              done();
            } catch (e) { message.error((e as Error).message); }
          }}><Button size="small" danger>{t("common.remove")}</Button></Popconfirm>) },
      ]} />
  );
}

function Invitations({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ["invitations", store], queryFn: () => call(api.GET("/api/v1/stores/{store}/invitations", { params: { path: { store } } })) });
  const invite = useMutation({
    mutationFn: (v: { email: string; role: string }) => call(api.POST("/api/v1/stores/{store}/invitations", { params: { path: { store } }, body: v })),
    onSuccess: () => { form.resetFields(["email"]); message.success(t("team.invited")); void qc.invalidateQueries({ queryKey: ["invitations", store] }); },
    onError: (e) => { if (e instanceof ApiError) { const fe = fieldErrors(e, ["email", "role"]); form.setFields(fe.fields); if (fe.rest) message.error(fe.rest); } },
  });
  return (
    <>
      <Form form={form} layout="inline" onFinish={(v) => invite.mutate(v)} initialValues={{ role: "catalog_manager" }} style={{ marginBottom: 12 }}>
        <Form.Item name="email" rules={[{ required: true, type: "email" }]}><Input placeholder={t("auth.email")} style={{ width: 240 }} /></Form.Item>
        <Form.Item name="role"><Select style={{ width: 160 }} options={roles.map((x) => ({ value: x, label: t("role." + x) }))} /></Form.Item>
        <Button type="primary" htmlType="submit" loading={invite.isPending}>{t("team.invite")}</Button>
      </Form>
      <Table rowKey="id" size="small" dataSource={q.data?.items || []} pagination={false} locale={{ emptyText: <EmptyState text={t("team.noInvitations")} /> }}
        columns={[
          { title: t("auth.email"), dataIndex: "email" },
          { title: t("team.role"), dataIndex: "role", render: (r: string) => t("role." + r) },
          { title: t("team.expires"), dataIndex: "expires_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm") },
          { title: "", key: "rm", render: (_, i) => (
            <Button size="small" onClick={async () => {
              await call(api.DELETE("/api/v1/stores/{store}/invitations/{invitation}", { params: { path: { store, invitation: i.id! } } })).catch((e) => message.error(e.message));
              void qc.invalidateQueries({ queryKey: ["invitations", store] });
            }}>{t("team.revoke")}</Button>) },
        ]} />
    </>
  );
}

/** An agency is granted by the email of a person in it (or its id); its role changes by granting again; agencies
 * with the same name are told apart by their contact email and the end of their id. */
function Agencies({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ["grants", store], queryFn: () => call(api.GET("/api/v1/stores/{store}/agency-grants", { params: { path: { store } } })) });
  const done = () => void qc.invalidateQueries({ queryKey: ["grants", store] });
  const grant = useMutation({
    mutationFn: (v: { agency: string; role: string }) => {
      const who = v.agency.trim();
      return call(api.POST("/api/v1/stores/{store}/agency-grants", { params: { path: { store } },
        body: who.includes("@") ? { email: who, role: v.role } : { agency_id: who, role: v.role } }));
    },
    onSuccess: () => { form.resetFields(["agency"]); message.success(t("team.granted")); done(); },
    onError: (e) => {
      if (!(e instanceof ApiError)) return;
      if (e.code === "agency_not_found") { form.setFields([{ name: "agency", errors: [t("team.agencyNotFound")] }]); return; }
      const fe = fieldErrors(e, ["agency_id", "email", "role"]);
      form.setFields(fe.fields.map((f) => (f.name[0] === "agency_id" || f.name[0] === "email" ? { ...f, name: ["agency"] } : f)));
      if (fe.rest) message.error(fe.rest);
    },
  });
  const setRole = async (agency: string, role: string) => {
    try {
      await call(api.POST("/api/v1/stores/{store}/agency-grants", { params: { path: { store } }, body: { agency_id: agency, role } }));
      message.success(t("team.roleChanged"));
      done();
    } catch (e) { message.error((e as Error).message); }
  };
  const grantRoles = roles.filter((r) => r !== "owner").map((x) => ({ value: x, label: t("role." + x) }));
  return (
    <>
      <Typography.Paragraph type="secondary">{t("team.agencyHelp")}</Typography.Paragraph>
      <Form form={form} layout="inline" onFinish={(v) => grant.mutate(v)} initialValues={{ role: "admin" }} style={{ marginBottom: 12 }}>
        <Form.Item name="agency" label={t("team.agencyWho")} rules={[{ required: true, whitespace: true }]}>
          <Input placeholder={t("team.agencyWhoHint")} style={{ width: 300, maxWidth: "100%" }} data-testid="agency-id" />
        </Form.Item>
        <Form.Item name="role" label={t("team.role")}><Select style={{ width: 160 }} options={grantRoles} /></Form.Item>
        <Button type="primary" htmlType="submit" loading={grant.isPending} data-testid="grant">{t("team.grant")}</Button>
      </Form>
      <Table rowKey="agency_id" size="small" dataSource={q.data?.items || []} pagination={false} locale={{ emptyText: <EmptyState text={t("team.noAgencies")} /> }}
        columns={[
          { title: t("team.agency"), dataIndex: "agency_name", render: (n: string, g) => (
            <>{n}<div><Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={"agency-contact-" + g.agency_id}>
              {g.contact_email ? g.contact_email + " · " : ""}ID …{(g.agency_id || "").slice(-6)}</Typography.Text></div></>) },
          { title: t("team.role"), dataIndex: "role", render: (r: string, g) => (
            <><SrLabel htmlFor={"grant-role-" + g.agency_id}>{t("team.role")} {g.agency_name}</SrLabel>
              <Select id={"grant-role-" + g.agency_id} size="small" value={r} style={{ width: 160 }} options={grantRoles}
                onChange={(role) => void setRole(g.agency_id!, role)} data-testid={"grant-role-" + g.agency_name} /></>) },
          { title: t("team.since"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD") },
          { title: "", key: "rm", render: (_, g) => (
            <Popconfirm title={t("team.revokeConfirm")} onConfirm={async () => {
              await call(api.DELETE("/api/v1/stores/{store}/agency-grants/{agency}", { params: { path: { store, agency: g.agency_id! } } })).catch((e) => message.error(e.message));
              done();
            }}><Button size="small" danger data-testid={"revoke-" + g.agency_name}>{t("team.revoke")}</Button></Popconfirm>) },
        ]} />
    </>
  );
}

function AuditLog({ store }: { store: string }) {
  const { t } = useTranslation();
  const names = useStaffNames(store);
  const [action, setAction] = useState<string>();
  const pager = usePager();
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["audit", store, action, cursor],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/audit-logs", { params: { path: { store }, query: { action, cursor } } })),
  });
  return (
    <>
      <Input.Search allowClear placeholder={t("team.filterAction")} style={{ width: 280, marginBottom: 12 }} onSearch={(v) => { setAction(v || undefined); pager.reset(); }} />
      <Table rowKey="id" size="small" dataSource={q.data?.items || []} pagination={false} loading={q.isLoading}
        columns={[
          { title: t("common.time"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm:ss") },
          { title: t("team.actor"), key: "actor", render: (_, e) => auditActor(e as AuditEntry, { t: t as Translate, names }) },
          { title: t("team.action"), key: "action", render: (_, e) => describeAudit(e as AuditEntry, { t: t as Translate, names }) },
        ]} />
      <Pager pager={pager} next={q.data?.next_cursor} />
    </>
  );
}

export default function Team() {
  const { t } = useTranslation();
  const store = useStore();
  return (
    <>
      <PageHeader title={t("nav.team")} />
      <Tabs items={[
        { key: "staff", label: t("team.staff"), children: <Staff store={store} /> },
        { key: "invitations", label: t("team.invitations"), children: <Invitations store={store} /> },
        { key: "agencies", label: t("team.agencies"), children: <Agencies store={store} /> },
        { key: "audit", label: t("team.audit"), children: <AuditLog store={store} /> },
      ]} />
    </>
  );
}
