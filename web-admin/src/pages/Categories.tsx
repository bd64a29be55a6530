import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, InputNumber, Popconfirm, Space, Tree, TreeSelect, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, type Schemas } from "../api/client";
import { fieldErrors } from "../lib/forms";
import { EmptyState, PageHeader, QueryError, useStore } from "../components/common";
import { treeData } from "./ProductEditor";

type Category = Schemas["catalog.Category"];
interface TreeNode {
  key: string;
  title: string;
  children?: TreeNode[];
}

function find(cats: Category[], id: string): Category | undefined {
  for (const c of cats) {
    if (c.id === id) return c;
    const f = find((c.children || []) as Category[], id);
    if (f) return f;
  }
}

/** The store's category tree (three levels): add, rename, reorder, delete empty ones. */
export default function Categories() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const store = useStore();
  const qc = useQueryClient();
  const [sel, setSel] = useState<string>();
  const [form] = Form.useForm();
  const [edit] = Form.useForm();
  const q = useQuery({ queryKey: ["categories", store], queryFn: () => call(api.GET("/api/v1/stores/{store}/categories", { params: { path: { store } } })) });
  // Field errors next to their field; the rest (a code without a field) as a message.
  const inline = (f: typeof form, e: Error, known: string[]) => {
    if (!(e instanceof ApiError)) return void message.error(e.message);
    const fe = fieldErrors(e, known);
    f.setFields(fe.fields);
    if (fe.rest && !fe.fields.length) message.error(e.message);
    else if (fe.rest) message.error(fe.rest);
  };
  const done = () => void qc.invalidateQueries({ queryKey: ["categories", store] });
  const create = useMutation({
    mutationFn: (v: Schemas["catalog.CategoryInput"]) => call(api.POST("/api/v1/stores/{store}/categories", { params: { path: { store } }, body: v })),
    onSuccess: () => { form.resetFields(["name"]); message.success(t("cat.added")); done(); },
    onError: (e) => inline(form, e, ["name", "parent_id"]),
  });
  const update = useMutation({
    mutationFn: (v: Schemas["catalog.CategoryInput"]) => call(api.PATCH("/api/v1/stores/{store}/categories/{category}", { params: { path: { store, category: sel! } }, body: v })),
    onSuccess: () => { message.success(t("common.saved")); done(); },
    onError: (e) => inline(edit, e, ["name", "sort"]),
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE("/api/v1/stores/{store}/categories/{category}", { params: { path: { store, category: sel! } } })),
    onSuccess: () => { setSel(undefined); done(); },
    onError: (e) => message.error(e.message),
  });
  if (q.error) return <QueryError error={q.error} retry={() => q.refetch()} />;
  const cats = q.data?.items || [];
  const current = sel ? find(cats, sel) : undefined;
  const toTree = (cs: Category[]): TreeNode[] =>
    cs.map((c) => ({ key: c.id!, title: c.name!, children: c.children?.length ? toTree(c.children as Category[]) : undefined }));
  return (
    <>
      <PageHeader title={t("nav.categories")} sub={t("cat.treeHelp")} />
      <Space align="start" size="large" wrap>
        <Card size="small" style={{ minWidth: 320 }} title={t("cat.tree")}>
          {cats.length ? <Tree treeData={toTree(cats)} defaultExpandAll selectedKeys={sel ? [sel] : []}
            onSelect={(k) => { setSel(k[0] as string); const c = find(cats, k[0] as string); edit.setFieldsValue({ name: c?.name, sort: c?.sort }); }} />
            : <EmptyState text={t("cat.empty")} />}
        </Card>
        <Card size="small" title={t("cat.add")} style={{ width: 360 }}>
          <Form form={form} layout="vertical" onFinish={(v) => create.mutate({ name: v.name, parent_id: v.parent_id || "" })} data-testid="category-form">
            <Form.Item name="parent_id" label={t("cat.parent")}><TreeSelect allowClear treeData={treeData(cats)} placeholder={t("cat.top")} /></Form.Item>
            <Form.Item name="name" label={t("cat.name")} rules={[{ required: true }]}><Input data-testid="category-name" /></Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending}>{t("common.add")}</Button>
          </Form>
        </Card>
        {current && (
          <Card size="small" title={<Typography.Text>{current.name}</Typography.Text>} style={{ width: 320 }}>
            <Form form={edit} layout="vertical" onFinish={(v) => update.mutate({ name: v.name, sort: v.sort, parent_id: current.parent_id })}>
              <Form.Item name="name" label={t("cat.name")} rules={[{ required: true }]}><Input /></Form.Item>
              <Form.Item name="sort" label={t("cat.sort")}><InputNumber /></Form.Item>
              <Space>
                <Button htmlType="submit">{t("common.save")}</Button>
                <Popconfirm title={t("cat.deleteConfirm")} onConfirm={() => remove.mutate()}><Button danger>{t("common.delete")}</Button></Popconfirm>
              </Space>
            </Form>
          </Card>
        )}
      </Space>
    </>
  );
}
