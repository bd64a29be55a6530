import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Row, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, ApiError, call } from "../api/client";
import { fieldErrors } from "../lib/forms";

export function useMiniProgram(store: string) {
  return useQuery({
    queryKey: ["settings", store, "miniprogram"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/settings/miniprogram", { params: { path: { store } } })),
  });
}

/** Connect the store's mini-program: authorise it to the platform, or enter its AppID and secret. */
export default function MiniProgramConnect({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const mp = useMiniProgram(store);
  const [form] = Form.useForm();
  const authorize = useMutation({
    mutationFn: () => call(api.GET("/api/v1/stores/{store}/settings/miniprogram/authorize-url", { params: { path: { store } } })),
    onSuccess: (out) => {
      window.location.href = out.url!;
    },
    onError: (e) => message.error(e.message),
  });
  const save = useMutation({
    mutationFn: (v: { app_id: string; app_secret: string }) =>
      call(api.PUT("/api/v1/stores/{store}/settings/miniprogram", { params: { path: { store } }, body: v })),
    onSuccess: () => {
      message.success(t("common.saved"));
      form.resetFields(["app_secret"]);
      void qc.invalidateQueries({ queryKey: ["settings", store] });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["app_id", "app_secret"]);
        form.setFields(fe.fields);
        if (fe.rest) message.error(fe.rest);
      }
    },
  });
  const v = mp.data;
  return (
    <>
      {v?.app_id && (
        <Descriptions bordered size="small" column={1} style={{ marginBottom: 16 }}>
          <Descriptions.Item label="AppID"><span data-testid="mp-appid">{v.app_id}</span></Descriptions.Item>
          <Descriptions.Item label={t("mp.mode")}>{t("mp.mode_" + v.mode, { defaultValue: v.mode })}</Descriptions.Item>
          {(v.mode !== "component" || v.app_secret?.set) && (
            <Descriptions.Item label="AppSecret">
              <span data-testid="mp-secret">
                {v.app_secret?.set ? t("secret.setAt", { fp: v.app_secret.fingerprint, at: v.app_secret.set_at }) : t("secret.notSet")}
                {v.app_secret?.set && !v.app_secret_in_use && <> · {t("secret.unused")}</>}
              </span>
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t("mp.viaPlatform")} size="small">
            <Typography.Paragraph type="secondary">{t("mp.viaPlatformHelp")}</Typography.Paragraph>
            <Button type="primary" loading={authorize.isPending} onClick={() => authorize.mutate()} data-testid="authorize">{t("mp.authorize")}</Button>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t("mp.manual")} size="small">
            <Form form={form} layout="vertical" onFinish={(vals) => save.mutate(vals)} initialValues={{ app_id: v?.app_id }}>
              <Form.Item name="app_id" label="AppID" rules={[{ required: true, pattern: /^wx[0-9a-f]{16}$/, message: t("mp.appidRule") }]}>
                <Input placeholder="wx0123456789abcdef" />
              </Form.Item>
              <Form.Item name="app_secret" label="AppSecret" extra={t("secret.writeOnly")} rules={[{ required: true }]}>
                <Input.Password autoComplete="off" />
              </Form.Item>
              <Button htmlType="submit" loading={save.isPending}>{t("common.save")}</Button>
            </Form>
          </Card>
        </Col>
      </Row>
      {mp.error && <Alert type="error" message={mp.error.message} />}
    </>
  );
}
