import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, Col, ColorPicker, Form, Progress, Radio, Row, Space, Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, download, type Schemas } from "../api/client";
import { fieldErrors } from "../lib/forms";
import { StatusTag, useStore } from "./common";
import { yuan } from "../lib/money";

type Config = Schemas["miniapp.Config"];
/** The template's theme when a brand chose none (tenant/miniapp applies the same). */
const defaults = { primary: "#FA4126", background: "#F5F5F5", nav_bar: "#FFFFFF", nav_text: "black" };
const hex = (c: unknown) => (typeof c === "string" ? c : (c as { toHexString?: () => string })?.toHexString?.() || "");

/** The phone the brand sees while choosing: theme and tab bar applied live. */
export function PhonePreview({ cfg, name }: { cfg: Config; name: string }) {
  const th = cfg.theme || {};
  const tabs = cfg.tabs?.length ? cfg.tabs : cfg.cart ? ["home", "cart", "user"] : ["home", "user"];
  const { t } = useTranslation();
  // The store's own products when it has some on sale; two samples otherwise.
  const store = useStore();
  const live = useQuery({
    queryKey: ["products", store, { status: "on_shelf" }, "preview"],
    enabled: !!store,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/products", { params: { path: { store }, query: { status: "on_shelf", limit: 2 } } })),
  });
  const items = live.data?.items?.length
    ? live.data.items.map((p) => [p.title!, yuan(p.min_price)])
    : [[t("design.sample1"), "129.00"], [t("design.sample2"), "99.00"]];
  return (
    <div data-testid="phone-preview" style={{ width: 300, margin: "0 auto", borderRadius: 24, overflow: "hidden", boxShadow: "0 4px 24px rgba(0,0,0,.15)", background: th.background || "#F5F5F5" }}>
      <div style={{ background: th.nav_bar || "#FFFFFF", color: th.nav_text === "white" ? "#fff" : "#000", textAlign: "center", padding: 12, fontWeight: 600 }}>{name}</div>
      {items.map(([title, price]) => (
        <div key={title} style={{ background: "#fff", margin: 8, padding: 12, borderRadius: 8 }}>
          {title}
          <div style={{ color: th.primary || "#FA4126", fontWeight: 600 }}>¥{price}</div>
          <span style={{ display: "inline-block", marginTop: 6, padding: "2px 10px", borderRadius: 12, background: th.primary || "#FA4126", color: "#fff", fontSize: 12 }}>
            {cfg.cart ? t("design.addToCart") : t("design.buyNow")}
          </span>
        </div>
      ))}
      <div style={{ display: "flex", background: "#fff", borderTop: "1px solid #eee" }}>
        {tabs.map((tab, i) => (
          <div key={tab} style={{ flex: 1, textAlign: "center", padding: 10, color: i === 0 ? th.primary || "#FA4126" : "#666" }}>{t("design.tab_" + tab)}</div>
        ))}
      </div>
    </div>
  );
}

export function useBuilds(store: string, poll = false) {
  return useQuery({
    queryKey: ["builds", store],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/miniapp/builds", { params: { path: { store } } })),
    refetchInterval: (q) => (poll || q.state.data?.items?.some((b) => b.status === "queued" || b.status === "running") ? 1000 : false),
  });
}

function kb(n: number) {
  return (n / 1024).toFixed(1) + " KB";
}

/** Theme, tab bar and features, with a live preview; builds run as jobs with progress and history. */
export default function DesignPanel({ store, storeName }: { store: string; storeName: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const cfgQ = useQuery({
    queryKey: ["miniapp-config", store],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/miniapp/config", { params: { path: { store } } })),
  });
  useEffect(() => {
    const c = cfgQ.data;
    if (!c) return;
    // Empty means the template's defaults: show them, so the pickers start from what the phone shows.
    const th = c.theme || {};
    form.setFieldsValue({ cart: c.cart, tabs: c.tabs?.length ? c.tabs : c.cart ? ["home", "cart", "user"] : ["home", "user"],
      theme: { primary: th.primary || defaults.primary, background: th.background || defaults.background, nav_bar: th.nav_bar || defaults.nav_bar,
        nav_text: th.nav_text || defaults.nav_text } });
  }, [cfgQ.data, form]);
  const values = Form.useWatch([], form) as Config | undefined;
  const live: Config = {
    cart: values?.cart ?? cfgQ.data?.cart ?? true,
    tabs: values?.tabs,
    theme: { primary: hex(values?.theme?.primary), background: hex(values?.theme?.background), nav_bar: hex(values?.theme?.nav_bar), nav_text: values?.theme?.nav_text },
  };
  const builds = useBuilds(store);
  const save = useMutation({
    mutationFn: async (build: boolean) => {
      const v = form.getFieldsValue(true) as Config;
      const body: Config = { cart: !!v.cart, tabs: v.tabs || [], theme: { primary: hex(v.theme?.primary) || undefined, background: hex(v.theme?.background) || undefined,
        nav_bar: hex(v.theme?.nav_bar) || undefined, nav_text: v.theme?.nav_text } };
      await call(api.PUT("/api/v1/stores/{store}/miniapp/config", { params: { path: { store } }, body }));
      if (build) await call(api.POST("/api/v1/stores/{store}/miniapp/builds", { params: { path: { store } } }));
      return build;
    },
    onSuccess: (build) => {
      message.success(build ? t("design.buildStarted") : t("common.saved"));
      void qc.invalidateQueries({ queryKey: ["miniapp-config", store] });
      void qc.invalidateQueries({ queryKey: ["builds", store] });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["theme", "tabs", "cart", "app_id"]);
        form.setFields(fe.fields);
        if (fe.rest || !fe.fields.length) message.error(fe.rest || e.message);
      }
    },
  });
  const [previewURL, setPreviewURL] = useState("");
  const latest = builds.data?.items?.[0];
  return (
    <Row gutter={24}>
      <Col xs={24} lg={12}>
        <Form form={form} layout="vertical">
          <Space size="large" wrap>
            <Form.Item name={["theme", "primary"]} label={t("design.primary")}><ColorPicker format="hex" disabledAlpha showText /></Form.Item>
            <Form.Item name={["theme", "background"]} label={t("design.background")}><ColorPicker format="hex" disabledAlpha showText /></Form.Item>
            <Form.Item name={["theme", "nav_bar"]} label={t("design.navBar")}><ColorPicker format="hex" disabledAlpha showText /></Form.Item>
          </Space>
          <Form.Item name={["theme", "nav_text"]} label={t("design.navText")}>
            <Radio.Group options={[{ value: "black", label: t("design.black") }, { value: "white", label: t("design.white") }]} />
          </Form.Item>
          <Form.Item name="cart" valuePropName="checked"><Checkbox>{t("design.cart")}</Checkbox></Form.Item>
          <Form.Item name="tabs" label={t("design.tabs")} extra={t("design.tabsHelp")}>
            <Checkbox.Group options={["home", "cart", "user"].map((x) => ({ value: x, label: t("design.tab_" + x) }))} />
          </Form.Item>
          <Space>
            <Button onClick={() => save.mutate(false)} loading={save.isPending && save.variables === false}>{t("common.save")}</Button>
            <Button type="primary" onClick={() => save.mutate(true)} loading={save.isPending && save.variables === true} data-testid="build">{t("design.saveAndBuild")}</Button>
          </Space>
        </Form>
        {latest && (
          <Card size="small" style={{ marginTop: 16 }} title={<Space>{t("design.latestBuild")} <StatusTag status={latest.status} /></Space>}>
            <Progress percent={Math.round(((latest.done || 0) / (latest.total || 4)) * 100)} status={latest.status === "failed" ? "exception" : undefined}
              format={(p) => `${p}%`} data-testid="build-progress" aria-label={t("design.latestBuild")} />
            {latest.error && <Typography.Text type="danger">{latest.error}</Typography.Text>}
            {latest.status === "succeeded" && (
              <>
                <Table size="small" rowKey="name" pagination={false} style={{ marginTop: 8 }}
                  dataSource={(latest.result?.packages as { name: string; root: string; bytes: number }[]) || []}
                  columns={[{ title: t("design.package"), dataIndex: "name" }, { title: t("design.size"), dataIndex: "bytes", render: kb }]} />
                <Space style={{ marginTop: 8 }}>
                  <Button onClick={async () => {
                    const b = await download(`/api/v1/stores/${store}/miniapp/builds/${latest.id}/preview`);
                    setPreviewURL(URL.createObjectURL(b));
                  }}>{t("design.previewBuild")}</Button>
                  <Button onClick={() => download(`/api/v1/stores/${store}/miniapp/builds/${latest.id}/download`, "miniprogram.zip")}>{t("design.downloadZip")}</Button>
                </Space>
              </>
            )}
          </Card>
        )}
        {previewURL && <iframe title="preview" src={previewURL} style={{ width: "100%", height: 480, border: 0, marginTop: 12 }} sandbox="" />}
      </Col>
      <Col xs={24} lg={12}>
        <Typography.Title level={5} style={{ textAlign: "center" }}>{t("design.livePreview")}</Typography.Title>
        <PhonePreview cfg={live} name={storeName} />
      </Col>
    </Row>
  );
}
