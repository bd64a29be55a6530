import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Form, Input, Radio, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, type Schemas } from "../api/client";
import { fieldErrors } from "../lib/forms";

export function usePayment(store: string) {
  return useQuery({
    queryKey: ["settings", store, "payment"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/settings/payment", { params: { path: { store } } })),
  });
}

const fields = ["mode", "mch_id", "sub_mch_id", "cert_serial", "api_v3_key", "private_key", "platform_public_key_id", "platform_public_key", "currency"];

function SecretHint({ info }: { info?: Schemas["settings.SecretInfo"] }) {
  const { t } = useTranslation();
  if (!info?.set) return <span>{t("secret.writeOnly")}</span>;
  return <span>{t("secret.setAt", { fp: info.fingerprint, at: info.set_at })} · {t("secret.keep")}</span>;
}

/** WeChat Pay: the brand's own merchant (direct), a sub-merchant of the platform (partner), or cross-border (global). Secrets are write-only. */
export default function PaymentForm({ store, entity }: { store: string; entity: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pay = usePayment(store);
  const [form] = Form.useForm();
  const mode = Form.useWatch("mode", form);
  useEffect(() => {
    if (pay.data) {
      const d = pay.data;
      form.setFieldsValue({ mode: d.mode || (entity === "overseas" ? "global" : "direct"), mch_id: d.mch_id, sub_mch_id: d.sub_mch_id,
        cert_serial: d.cert_serial, platform_public_key_id: d.platform_public_key_id, platform_public_key: d.platform_public_key,
        currency: d.currency || (entity === "overseas" ? "HKD" : "CNY") });
    }
  }, [pay.data, entity, form]);
  const save = useMutation({
    mutationFn: (v: Schemas["settings.PaymentInput"]) => call(api.PUT("/api/v1/stores/{store}/settings/payment", { params: { path: { store } }, body: v })),
    onSuccess: () => {
      message.success(t("common.saved"));
      form.resetFields(["api_v3_key", "private_key"]);
      void qc.invalidateQueries({ queryKey: ["settings", store] });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, fields);
        form.setFields(fe.fields);
        if (fe.rest) message.error(fe.rest);
      }
    },
  });
  const own = mode === "direct" || mode === "global";
  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 640 }} onFinish={(v) => save.mutate({ ...v, currency: v.currency || "CNY" })}>
      <Form.Item name="mode" label={t("pay.mode")}>
        <Radio.Group>
          <Radio.Button value="direct" disabled={entity === "overseas"}>{t("pay.direct")}</Radio.Button>
          <Radio.Button value="partner" disabled={entity === "overseas"}>{t("pay.partner")}</Radio.Button>
          <Radio.Button value="global" disabled={entity !== "overseas"}>{t("pay.global")}</Radio.Button>
        </Radio.Group>
      </Form.Item>
      <Typography.Paragraph type="secondary">{t("pay.help_" + (mode || "direct"))}</Typography.Paragraph>
      {mode === "partner" ? (
        <Form.Item name="sub_mch_id" label={t("pay.subMchId")}><Input /></Form.Item>
      ) : (
        <>
          <Form.Item name="mch_id" label={t("pay.mchId")}><Input /></Form.Item>
          <Form.Item name="cert_serial" label={t("pay.certSerial")}><Input /></Form.Item>
          <Form.Item name="api_v3_key" label={t("pay.apiV3Key")} extra={<SecretHint info={pay.data?.api_v3_key} />}><Input.Password autoComplete="off" /></Form.Item>
          <Form.Item name="private_key" label={t("pay.privateKey")} extra={<SecretHint info={pay.data?.private_key} />}>
            <Input.TextArea rows={3} placeholder="-----BEGIN PRIVATE KEY-----" />
          </Form.Item>
        </>
      )}
      {own && (
        <>
          <Form.Item name="platform_public_key_id" label={t("pay.pubKeyId")}><Input placeholder="PUB_KEY_ID_…" /></Form.Item>
          <Form.Item name="platform_public_key" label={t("pay.pubKey")}><Input.TextArea rows={3} placeholder="-----BEGIN PUBLIC KEY-----" /></Form.Item>
        </>
      )}
      {mode === "global" && <Form.Item name="currency" label={t("pay.currency")}><Input style={{ width: 120 }} /></Form.Item>}
      <Button type="primary" htmlType="submit" loading={save.isPending}>{t("common.save")}</Button>
    </Form>
  );
}
