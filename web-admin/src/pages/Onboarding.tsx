import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Alert, Button, Card, Checkbox, Form, Input, Progress, Radio, Space, Steps, Tag, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, ApiError, call } from "../api/client";
import { useBusinessCategories, useStoreInfo } from "../api/hooks";
import CategoriesPanel from "../components/CategoriesPanel";
import DesignPanel, { useBuilds } from "../components/DesignPanel";
import MiniProgramConnect, { useMiniProgram } from "../components/MiniProgramConnect";
import PaymentForm, { usePayment } from "../components/PaymentForm";
import PublishPanel from "../components/PublishPanel";
import { PageHeader, QueryError, useLang, useStore } from "../components/common";
import { fieldErrors } from "../lib/forms";
import { progress, resumeAt, stepDone, steps, type StoreState } from "../lib/onboarding";
import { ruleState, summarise } from "../lib/rules";

/** The first step for a new store: profile, entity and categories, with the rules shown as the brand picks. */
function NewStore() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const nav = useNavigate();
  const qc = useQueryClient();
  const bc = useBusinessCategories();
  const [form] = Form.useForm();
  const [err, setErr] = useState("");
  const entity = Form.useWatch("entity_type", form) || "mainland";
  const chosen: string[] = Form.useWatch("categories", form) || [];
  const sum = summarise(bc.data?.rules as never, entity, chosen);
  const create = useMutation({
    mutationFn: (v: { name: string; slug: string; entity_type: string; categories: string[] }) => call(api.POST("/api/v1/stores", { body: v })),
    onSuccess: async (st) => {
      await qc.invalidateQueries({ queryKey: ["me"] });
      nav(`/stores/${st.id}/onboarding`, { replace: true });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["name", "slug", "entity_type", "categories"]);
        form.setFields(fe.fields);
        setErr(fe.rest);
      }
    },
  });
  return (
    <Card>
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" style={{ maxWidth: 760 }} initialValues={{ entity_type: "mainland", categories: [] }}
        onFinish={(v) => create.mutate(v)}>
        <Form.Item name="name" label={t("onb.storeName")} rules={[{ required: true, max: 60 }]}><Input placeholder={t("onb.storeNameHint")} /></Form.Item>
        <Form.Item name="slug" label={t("onb.slug")} extra={t("onb.slugHelp")} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/, message: t("onb.slugRule") }]}>
          <Input addonBefore="shoplet.app/" />
        </Form.Item>
        <Form.Item name="entity_type" label={t("onb.entity")} extra={t("onb.entityHelp")}>
          <Radio.Group>
            <Radio.Button value="mainland">{t("entity.mainland")}</Radio.Button>
            <Radio.Button value="overseas">{t("entity.overseas")}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        <Form.Item name="categories" label={t("onb.categories")} rules={[{ required: true, type: "array", min: 1 }]}>
          <Checkbox.Group style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill,minmax(220px,1fr))", gap: 8 }}>
            {(bc.data?.categories || []).map((c) => {
              const v = bc.data?.rules?.[entity]?.[c.code!];
              const st = ruleState(v);
              return (
                <Checkbox key={c.code} value={c.code} disabled={st === "refused"} data-testid={"cat-" + c.code}>
                  {lang === "zh-CN" ? c.label_zh : c.label}{" "}
                  <Tag color={st === "allowed" ? "green" : st === "documents" ? "orange" : "red"} title={v?.reason || (v?.documents || []).map((d) => t("doc." + d, { defaultValue: d })).join("、")}>
                    {t("rule." + st)}
                  </Tag>
                </Checkbox>
              );
            })}
          </Checkbox.Group>
        </Form.Item>
        {sum.documents.length > 0 && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t("onb.needsDocs")}
            description={sum.documents.map((c) => (
              <div key={c}>{c}: {(bc.data?.rules?.[entity]?.[c]?.documents || []).map((d) => t("doc." + d, { defaultValue: d })).join("、")}</div>
            ))} />
        )}
        <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="create-store">{t("onb.createStore")}</Button>
      </Form>
    </Card>
  );
}

/** The wizard for a store: it resumes at the first unfinished step; the brand can leave and come back. */
function Wizard({ store }: { store: string }) {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const info = useStoreInfo(store);
  const mp = useMiniProgram(store);
  const pay = usePayment(store);
  const builds = useBuilds(store);
  const pubs = useQuery({
    queryKey: ["publishes", store],
    retry: false,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/miniapp/publishes", { params: { path: { store } } })),
  });
  const state: StoreState = useMemo(() => ({
    hasStore: true,
    categories: (info.data?.categories || []).map((c) => ({ status: c.status!, missing_documents: c.missing_documents })),
    appId: mp.data?.app_id,
    paymentMode: pay.data?.mode,
    mchSet: !!(pay.data?.mch_id || pay.data?.sub_mch_id),
    builds: (builds.data?.items || []).filter((b) => b.status === "succeeded").length,
    published: (pubs.data?.items || []).some((p) => p.status === "released"),
  }), [info.data, mp.data, pay.data, builds.data, pubs.data]);
  const loaded = info.data && mp.data && pay.data && builds.data;
  const [current, setCurrent] = useState<number | null>(null);
  useEffect(() => {
    if (loaded && current === null) setCurrent(params.get("authorized") ? 2 : resumeAt(state));
  }, [loaded, current, state, params]);
  if (info.error) return <QueryError error={info.error} retry={() => void info.refetch()} />;
  const done = stepDone(state);
  const step = current ?? 0;
  const entity = info.data?.store?.entity_type || "mainland";
  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <Progress percent={progress(state)} format={(p) => `${p}%`} data-testid="onboarding-progress" />
        <Steps current={step} onChange={setCurrent} style={{ marginTop: 12 }}
          items={steps.map((s) => ({ title: t("onb.step_" + s), status: done[s] ? "finish" : step === steps.indexOf(s) ? "process" : "wait" }))} />
      </Card>
      <Card title={t("onb.step_" + steps[step])} extra={<Typography.Text type="secondary">{t("onb.resumable")}</Typography.Text>}>
        {steps[step] === "profile" && <Profile store={store} />}
        {steps[step] === "categories" && <CategoriesPanel store={store} />}
        {steps[step] === "miniprogram" && <MiniProgramConnect store={store} />}
        {steps[step] === "payment" && <PaymentForm store={store} entity={entity} />}
        {steps[step] === "design" && <DesignPanel store={store} storeName={info.data?.store?.name || ""} />}
        {steps[step] === "publish" && <PublishPanel store={store} />}
        <Space style={{ marginTop: 24 }}>
          {step > 0 && <Button onClick={() => setCurrent(step - 1)}>{t("common.back")}</Button>}
          {step < steps.length - 1 && <Button type="primary" onClick={() => setCurrent(step + 1)} data-testid="next">{t("common.next")}</Button>}
        </Space>
      </Card>
    </>
  );
}

function Profile({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const info = useStoreInfo(store);
  const [form] = Form.useForm();
  useEffect(() => form.setFieldsValue({ name: info.data?.store?.name }), [info.data, form]);
  const save = useMutation({
    mutationFn: (v: { name: string }) => call(api.PATCH("/api/v1/stores/{store}", { params: { path: { store } }, body: v })),
    onSuccess: () => {
      message.success(t("common.saved"));
      void qc.invalidateQueries({ queryKey: ["store", store] });
      void qc.invalidateQueries({ queryKey: ["me"] });
    },
    onError: (e) => e instanceof ApiError && form.setFields(fieldErrors(e, ["name"]).fields),
  });
  const s = info.data?.store;
  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 480 }} onFinish={(v) => save.mutate(v)}>
      <Form.Item name="name" label={t("onb.storeName")} rules={[{ required: true }]}><Input /></Form.Item>
      <Typography.Paragraph type="secondary">
        /{s?.slug} · {t("entity." + s?.entity_type)} · {t("status." + s?.status, { defaultValue: s?.status })}
      </Typography.Paragraph>
      <Button htmlType="submit" loading={save.isPending}>{t("common.save")}</Button>
    </Form>
  );
}

export default function Onboarding() {
  const { t } = useTranslation();
  const store = useStore();
  return (
    <>
      <PageHeader title={t("onb.title")} sub={t("onb.sub")} />
      {store ? <Wizard store={store} /> : <NewStore />}
    </>
  );
}
