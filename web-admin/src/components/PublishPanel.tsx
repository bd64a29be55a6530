import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Checkbox, Form, Input, Select, Space, Steps, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, ApiError, call, download, type Schemas } from "../api/client";
import { fieldErrors } from "../lib/forms";
import { StatusTag } from "./common";

type Publish = Schemas["publish.Publish"];

const stepStatus: Record<string, "wait" | "process" | "finish" | "error"> = { pending: "wait", running: "process", done: "finish", failed: "error" };

/** One publication's pipeline: each step's state, the review, and what can be done next. */
function Pipeline({ store, p }: { store: string; p: Publish }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [qr, setQR] = useState("");
  const act = useMutation({
    mutationFn: (a: "release" | "withdraw" | "rollback" | "refresh") =>
      call(api.POST(`/api/v1/stores/{store}/miniapp/publishes/{publish}/${a}` as "/api/v1/stores/{store}/miniapp/publishes/{publish}/release",
        { params: { path: { store, publish: p.id! } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["publishes", store] }),
    onError: (e) => message.error(e.message),
  });
  const steps = p.steps || [];
  const reviewIndex = steps.findIndex((s) => s.name === "release");
  const items = steps.map((s) => ({ title: t("pub.step_" + s.name), status: stepStatus[s.status || "pending"], description: s.error ? <Typography.Text type="danger">{s.error}</Typography.Text> : undefined }));
  const review = { title: t("pub.review"), status: (["auditing", "audit_delayed"].includes(p.status!) ? "process" : p.status === "audit_failed" ? "error" : ["approved", "releasing", "released", "rolled_back"].includes(p.status!) ? "finish" : "wait") as "wait",
    description: p.reason ? <Typography.Text type="warning">{p.reason}</Typography.Text> : undefined };
  if (reviewIndex >= 0) items.splice(reviewIndex, 0, review);
  return (
    <Card size="small" style={{ marginBottom: 12 }} data-testid={"publish-" + p.version}
      title={<Space>{p.version} <StatusTag status={p.status} /> <Typography.Text type="secondary">{dayjs(p.created_at).format("YYYY-MM-DD HH:mm")}</Typography.Text></Space>}
      extra={
        <Space>
          {p.qr_file_id && <Button size="small" onClick={async () => setQR(URL.createObjectURL(await download(`/api/v1/stores/${store}/miniapp/publishes/${p.id}/trial-qr`)))}>{t("pub.trialQR")}</Button>}
          {["auditing", "audit_delayed"].includes(p.status!) && <Button size="small" onClick={() => act.mutate("refresh")}>{t("pub.refresh")}</Button>}
          {["auditing", "audit_delayed"].includes(p.status!) && <Button size="small" danger onClick={() => act.mutate("withdraw")}>{t("pub.withdraw")}</Button>}
          {p.status === "approved" && <Button size="small" type="primary" onClick={() => act.mutate("release")}>{t("pub.release")}</Button>}
          {p.status === "released" && <Button size="small" danger onClick={() => act.mutate("rollback")}>{t("pub.rollback")}</Button>}
        </Space>
      }>
      <Steps size="small" items={items} />
      {p.error && <Alert style={{ marginTop: 8 }} type="error" showIcon message={p.error} />}
      {qr && <img src={qr} alt="trial QR" style={{ width: 160, marginTop: 8 }} />}
    </Card>
  );
}

/** Publish through the platform (third-party platform), or download the zip to upload with WeChat's tools. */
export default function PublishPanel({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const templates = useQuery({
    queryKey: ["templates", store],
    retry: false,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/miniapp/templates", { params: { path: { store } } })),
  });
  const pubs = useQuery({
    queryKey: ["publishes", store],
    retry: false,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/miniapp/publishes", { params: { path: { store } } })),
    // Poll while WeChat or a job may still move a publication on (an approved
    // one releases by itself when auto-release is on).
    refetchInterval: (q) => (q.state.data?.items?.some((p) => ["running", "auditing", "audit_delayed", "releasing"].includes(p.status!)
      || (p.status === "approved" && p.auto_release)) ? 1000 : false),
  });
  const start = useMutation({
    mutationFn: (v: Schemas["publish.Input"]) => call(api.POST("/api/v1/stores/{store}/miniapp/publishes", { params: { path: { store } }, body: v })),
    onSuccess: () => {
      message.success(t("pub.started"));
      void qc.invalidateQueries({ queryKey: ["publishes", store] });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["template_id", "version", "description"]);
        form.setFields(fe.fields);
        if (fe.rest) message.error(fe.rest);
      }
    },
  });
  if (templates.error instanceof ApiError && templates.error.status === 404) {
    return <Alert type="info" showIcon message={t("pub.noPlatform")} />;
  }
  const list = templates.data?.items || [];
  return (
    <>
      {templates.error && <Alert type="warning" showIcon message={templates.error.message} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="inline" onFinish={(v) => start.mutate({ ...v, auto_release: !!v.auto_release })} style={{ marginBottom: 16, rowGap: 8 }}
        initialValues={{ auto_release: true }}>
        <Form.Item name="template_id" label={t("pub.template")} rules={[{ required: true }]}>
          <Select style={{ width: 220 }} data-testid="template-select"
            options={list.map((x) => ({ value: x.template_id, label: `${x.user_version} · ${x.user_desc}` }))}
            onChange={(id) => {
              const tp = list.find((x) => x.template_id === id);
              if (tp && !form.getFieldValue("version")) form.setFieldValue("version", tp.user_version);
            }} />
        </Form.Item>
        <Form.Item name="version" label={t("pub.version")} rules={[{ required: true }]}><Input style={{ width: 120 }} /></Form.Item>
        <Form.Item name="description" label={t("pub.description")}><Input style={{ width: 200 }} /></Form.Item>
        <Form.Item name="auto_release" valuePropName="checked"><Checkbox>{t("pub.autoRelease")}</Checkbox></Form.Item>
        <Button type="primary" htmlType="submit" loading={start.isPending} data-testid="publish">{t("pub.publish")}</Button>
      </Form>
      {(pubs.data?.items || []).length === 0 ? (
        <Typography.Paragraph type="secondary">{t("pub.none")}</Typography.Paragraph>
      ) : (
        (pubs.data?.items || []).slice(0, 5).map((p) => <Pipeline key={p.id} store={store} p={p} />)
      )}
      {(pubs.data?.items || []).length > 5 && (
        <Table size="small" rowKey="id" dataSource={(pubs.data?.items || []).slice(5)} pagination={{ pageSize: 10 }}
          columns={[{ title: t("pub.version"), dataIndex: "version" }, { title: t("common.status"), dataIndex: "status", render: (s) => <StatusTag status={s} /> },
            { title: t("common.createdAt"), dataIndex: "created_at", render: (d) => dayjs(d).format("YYYY-MM-DD HH:mm") }]} />
      )}
    </>
  );
}
