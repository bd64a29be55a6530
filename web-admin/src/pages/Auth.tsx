import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { Alert, App, Button, Card, Form, Input, Result, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, ApiError, call } from "../api/client";
import { useAuth } from "../auth";
import { useLang } from "../components/common";
import { fieldErrors } from "../lib/forms";

function Shell({ title, children }: { title: string; children: React.ReactNode }) {
  const { lang, setLang } = useLang();
  return (
    <div style={{ minHeight: "100vh", background: "linear-gradient(135deg,#e8f1ff,#f5f6f7)", display: "flex", alignItems: "center", justifyContent: "center" }}>
      <Card style={{ width: 400 }} title={<span style={{ color: "#1677ff", fontWeight: 700 }}>Shoplet · {title}</span>}
        extra={<Button type="link" size="small" onClick={() => setLang(lang === "zh-CN" ? "en-US" : "zh-CN")}>{lang === "zh-CN" ? "English" : "中文"}</Button>}>
        {children}
      </Card>
    </div>
  );
}

export function SignIn() {
  const { t } = useTranslation();
  const { signIn } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Shell title={t("auth.signIn")}>
      {err && <Alert type="error" message={err} showIcon style={{ marginBottom: 16 }} />}
      <Form layout="vertical" onFinish={async (v) => {
        setBusy(true);
        setErr("");
        try {
          await signIn(v.email, v.password);
          nav(params.get("next") || "/", { replace: true });
        } catch (e) {
          setErr(e instanceof Error ? e.message : String(e));
        } finally {
          setBusy(false);
        }
      }}>
        <Form.Item name="email" label={t("auth.email")} rules={[{ required: true, type: "email" }]}>
          <Input autoComplete="username" />
        </Form.Item>
        <Form.Item name="password" label={t("auth.password")} rules={[{ required: true }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>{t("auth.signIn")}</Button>
      </Form>
      <div style={{ marginTop: 16, display: "flex", justifyContent: "space-between" }}>
        <Link to="/signup">{t("auth.signUp")}</Link>
        <Link to="/reset">{t("auth.forgot")}</Link>
      </div>
    </Shell>
  );
}

export function SignUp() {
  const { t } = useTranslation();
  const { setTokens } = useAuth();
  const nav = useNavigate();
  const [form] = Form.useForm();
  const [err, setErr] = useState("");
  return (
    <Shell title={t("auth.signUp")}>
      {err && <Alert type="error" message={err} showIcon style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={async (v) => {
        setErr("");
        try {
          const out = await call(api.POST("/api/v1/auth/signup", { body: v }));
          setTokens(out.access_token!, out.refresh_token!);
          nav("/onboarding", { replace: true });
        } catch (e) {
          if (e instanceof ApiError) {
            const fe = fieldErrors(e, ["email", "password", "name"]);
            form.setFields(fe.fields);
            if (fe.rest) setErr(fe.rest);
          } else setErr(String(e));
        }
      }}>
        <Form.Item name="name" label={t("auth.name")}><Input /></Form.Item>
        <Form.Item name="email" label={t("auth.email")} rules={[{ required: true, type: "email" }]}><Input autoComplete="username" /></Form.Item>
        <Form.Item name="password" label={t("auth.password")} extra={t("auth.passwordRule")} rules={[{ required: true, min: 10 }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block>{t("auth.createAccount")}</Button>
      </Form>
      <div style={{ marginTop: 16 }}><Link to="/login">{t("auth.haveAccount")}</Link></div>
    </Shell>
  );
}

export function ResetRequest() {
  const { t } = useTranslation();
  const [sent, setSent] = useState(false);
  const [form] = Form.useForm();
  if (sent) {
    return (
      <Shell title={t("auth.reset")}>
        <Result status="success" title={t("auth.resetSent")} subTitle={t("auth.resetSentSub")} extra={<Link to="/login">{t("auth.signIn")}</Link>} />
      </Shell>
    );
  }
  return (
    <Shell title={t("auth.reset")}>
      <Typography.Paragraph type="secondary">{t("auth.resetIntro")}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={async (v) => {
        try {
          await call(api.POST("/api/v1/auth/password-reset", { body: v }));
          setSent(true);
        } catch (e) {
          if (e instanceof ApiError) form.setFields(fieldErrors(e, ["email"]).fields);
        }
      }}>
        <Form.Item name="email" label={t("auth.email")} rules={[{ required: true, type: "email" }]}><Input /></Form.Item>
        <Button type="primary" htmlType="submit" block>{t("auth.sendLink")}</Button>
      </Form>
    </Shell>
  );
}

export function ResetConfirm() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const [form] = Form.useForm();
  const { message } = App.useApp();
  const nav = useNavigate();
  const [err, setErr] = useState("");
  return (
    <Shell title={t("auth.newPassword")}>
      {err && <Alert type="error" message={err} showIcon style={{ marginBottom: 16 }} action={<Link to="/reset">{t("auth.sendLink")}</Link>} />}
      <Form form={form} layout="vertical" onFinish={async (v) => {
        try {
          await call(api.POST("/api/v1/auth/password-reset/confirm", { body: { token: params.get("token") || "", password: v.password } }));
          message.success(t("auth.passwordChanged"));
          nav("/login");
        } catch (e) {
          if (e instanceof ApiError) {
            const fe = fieldErrors(e, ["password"]);
            form.setFields(fe.fields);
            setErr(fe.rest);
          }
        }
      }}>
        <Form.Item name="password" label={t("auth.newPassword")} extra={t("auth.passwordRule")} rules={[{ required: true, min: 10 }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block>{t("auth.setPassword")}</Button>
      </Form>
    </Shell>
  );
}
