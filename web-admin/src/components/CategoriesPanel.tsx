import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Select, Space, Table, Tag, Typography, Upload } from "antd";
import { UploadOutlined } from "@ant-design/icons";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, upload } from "../api/client";
import { useBusinessCategories, useStoreInfo } from "../api/hooks";
import { StatusTag, useLang } from "./common";
import { ruleState } from "../lib/rules";

/** The store's business categories: status, documents still missing (upload in place), and more to declare. */
export default function CategoriesPanel({ store }: { store: string }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const info = useStoreInfo(store);
  const bc = useBusinessCategories();
  const [more, setMore] = useState<string[]>([]);
  const label = (code: string) => {
    const c = bc.data?.categories?.find((x) => x.code === code);
    return c ? (lang === "zh-CN" ? c.label_zh : c.label) : code;
  };
  const entity = info.data?.store?.entity_type || "mainland";
  const declared = new Set((info.data?.categories || []).map((c) => c.category));
  const add = useMutation({
    mutationFn: () => call(api.POST("/api/v1/stores/{store}/business-categories", { params: { path: { store } }, body: { categories: more } })),
    onSuccess: () => {
      setMore([]);
      void qc.invalidateQueries({ queryKey: ["store", store] });
    },
    onError: (e) => message.error(e.message),
  });
  return (
    <>
      <Table rowKey="category" size="small" pagination={false} loading={info.isLoading} dataSource={info.data?.categories || []}
        columns={[
          { title: t("cat.category"), dataIndex: "category", render: (c: string) => label(c) },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          {
            title: t("cat.documents"), key: "docs",
            render: (_, c) => (
              <Space direction="vertical" size={4}>
                {(c.required_documents || []).map((d) => {
                  const missing = (c.missing_documents || []).includes(d);
                  return (
                    <Space key={d}>
                      <Tag color={missing ? "orange" : "green"}>{t("doc." + d, { defaultValue: d })}</Tag>
                      {missing && (
                        <Upload showUploadList={false} accept=".pdf,.jpg,.jpeg,.png"
                          customRequest={async ({ file, onSuccess, onError }) => {
                            try {
                              await upload(`/api/v1/stores/${store}/documents`, file as File, { category: c.category!, doc_type: d });
                              onSuccess?.({});
                              message.success(t("cat.uploaded"));
                              void qc.invalidateQueries({ queryKey: ["store", store] });
                            } catch (e) {
                              onError?.(e as Error);
                              message.error((e as ApiError).message);
                            }
                          }}>
                          <Button size="small" icon={<UploadOutlined />} data-testid={`upload-${c.category}-${d}`}>{t("cat.upload")}</Button>
                        </Upload>
                      )}
                    </Space>
                  );
                })}
                {c.reason && <Typography.Text type="danger">{c.reason}</Typography.Text>}
              </Space>
            ),
          },
        ]} />
      <Space style={{ marginTop: 12 }}>
        <Select mode="multiple" style={{ minWidth: 320 }} placeholder={t("cat.addMore")} value={more} onChange={setMore}
          options={(bc.data?.categories || []).filter((c) => !declared.has(c.code)).map((c) => {
            const v = bc.data?.rules?.[entity]?.[c.code!];
            const st = ruleState(v);
            return { value: c.code!, label: `${lang === "zh-CN" ? c.label_zh : c.label} · ${t("rule." + st)}`, disabled: st === "refused" };
          })} />
        <Button disabled={!more.length} loading={add.isPending} onClick={() => add.mutate()}>{t("cat.declare")}</Button>
      </Space>
    </>
  );
}
