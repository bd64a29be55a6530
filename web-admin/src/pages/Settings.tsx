import { useMutation, useQuery } from "@tanstack/react-query";
import { App, Button, Form, Input, Tabs } from "antd";
import { useEffect } from "react";
import { useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, call } from "../api/client";
import { useStoreInfo } from "../api/hooks";
import CategoriesPanel from "../components/CategoriesPanel";
import MiniProgramConnect from "../components/MiniProgramConnect";
import PaymentForm from "../components/PaymentForm";
import { PageHeader, useStore } from "../components/common";

function Messages({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ["settings", store, "messages"], queryFn: () => call(api.GET("/api/v1/stores/{store}/settings/messages", { params: { path: { store } } })) });
  useEffect(() => q.data && form.setFieldsValue(q.data), [q.data, form]);
  const save = useMutation({
    mutationFn: (v: { paid_template_id: string; shipped_template_id: string }) => call(api.PUT("/api/v1/stores/{store}/settings/messages", { params: { path: { store } }, body: v })),
    onSuccess: () => message.success(t("common.saved")),
    onError: (e) => message.error(e.message),
  });
  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 480 }} onFinish={(v) => save.mutate(v)}>
      <Form.Item name="paid_template_id" label={t("settings.paidTemplate")}><Input /></Form.Item>
      <Form.Item name="shipped_template_id" label={t("settings.shippedTemplate")}><Input /></Form.Item>
      <Button type="primary" htmlType="submit">{t("common.save")}</Button>
    </Form>
  );
}

export default function Settings() {
  const { t } = useTranslation();
  const store = useStore();
  const info = useStoreInfo(store);
  const [params] = useSearchParams();
  return (
    <>
      <PageHeader title={t("nav.settings")} />
      <Tabs defaultActiveKey={params.get("tab") || "miniprogram"} items={[
        { key: "miniprogram", label: t("settings.miniprogram"), children: <MiniProgramConnect store={store} /> },
        { key: "payment", label: t("settings.payment"), children: <PaymentForm store={store} entity={info.data?.store?.entity_type || "mainland"} /> },
        { key: "messages", label: t("settings.messages"), children: <Messages store={store} /> },
        { key: "categories", label: t("settings.categories"), children: <CategoriesPanel store={store} /> },
      ]} />
    </>
  );
}
