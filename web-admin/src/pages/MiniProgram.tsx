import { App, Button, Form, Input, Table, Tabs, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { download } from "../api/client";
import { useStoreInfo } from "../api/hooks";
import DesignPanel, { useBuilds } from "../components/DesignPanel";
import PublishPanel from "../components/PublishPanel";
import { PageHeader, StatusTag, useStore } from "../components/common";

function Builds({ store }: { store: string }) {
  const { t } = useTranslation();
  const b = useBuilds(store);
  return (
    <Table rowKey="id" size="small" dataSource={b.data?.items || []} pagination={{ pageSize: 10, hideOnSinglePage: true }}
      columns={[
        { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm:ss") },
        { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
        { title: t("design.progress"), key: "p", render: (_, r) => `${r.done}/${r.total}` },
        { title: "SHA-256", key: "sha", render: (_, r) => <Typography.Text code>{String(r.result?.sha256 || "").slice(0, 12)}</Typography.Text> },
        { title: t("design.size"), key: "size", render: (_, r) => (r.result?.zip_bytes ? ((r.result.zip_bytes as number) / 1024).toFixed(0) + " KB" : "") },
        { title: "", key: "dl", render: (_, r) => r.status === "succeeded" && (
          <Button size="small" onClick={() => download(`/api/v1/stores/${store}/miniapp/builds/${r.id}/download`, "miniprogram.zip")}>{t("design.downloadZip")}</Button>) },
      ]} />
  );
}

function Codes({ store }: { store: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [img, setImg] = useState("");
  return (
    <>
      <Typography.Paragraph type="secondary">{t("code.help")}</Typography.Paragraph>
      <Form layout="inline" onFinish={async (v) => {
        try {
          const b = await download(`/api/v1/stores/${store}/miniapp/code?label=${encodeURIComponent(v.label || "store")}`);
          setImg(URL.createObjectURL(b));
        } catch (e) { message.error((e as Error).message); }
      }}>
        <Form.Item name="label" rules={[{ pattern: /^[A-Za-z0-9_-]{1,20}$/, message: t("code.labelRule") }]}><Input placeholder="shanghai-window" /></Form.Item>
        <Button type="primary" htmlType="submit">{t("code.make")}</Button>
      </Form>
      {img && <div style={{ marginTop: 12 }}><img src={img} alt="code" style={{ width: 200 }} /><br /><a href={img} download="store-code.jpg">{t("common.download")}</a></div>}
    </>
  );
}

export default function MiniProgram() {
  const { t } = useTranslation();
  const store = useStore();
  const info = useStoreInfo(store);
  return (
    <>
      <PageHeader title={t("nav.miniapp")} sub={t("miniapp.sub")} />
      <Tabs items={[
        { key: "design", label: t("miniapp.design"), children: <DesignPanel store={store} storeName={info.data?.store?.name || ""} /> },
        { key: "builds", label: t("miniapp.builds"), children: <Builds store={store} /> },
        { key: "publish", label: t("miniapp.publish"), children: <PublishPanel store={store} /> },
        { key: "codes", label: t("miniapp.codes"), children: <Codes store={store} /> },
      ]} />
    </>
  );
}
