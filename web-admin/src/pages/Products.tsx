import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Input, Select, Space, Switch, Table, Typography } from "antd";
import { DownloadOutlined, PlusOutlined, QrcodeOutlined, UploadOutlined } from "@ant-design/icons";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, call, download } from "../api/client";
import AuthImage from "../components/AuthImage";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, QueryError, StatusTag, useStore } from "../components/common";
import ImportDialog from "../components/ImportDialog";
import { yuan } from "../lib/money";

interface Filters {
  q?: string;
  status?: string;
  in_stock?: boolean;
  sort?: string;
}

export default function Products() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const store = useStore();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [filters, setFilters] = useState<Filters>({});
  const pager = usePager();
  const [selected, setSelected] = useState<string[]>([]);
  const [importing, setImporting] = useState(false);
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["products", store, filters, cursor],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/products", { params: { path: { store }, query: { ...filters, cursor, limit: 20 } } })),
  });
  const bulk = useMutation({
    mutationFn: (status: string) => call(api.POST("/api/v1/stores/{store}/products/bulk-status", { params: { path: { store } }, body: { ids: selected, status } })),
    onSuccess: (out) => {
      const failed = (out.results || []).filter((r) => !r.ok);
      if (failed.length) message.warning(failed.map((f) => f.message).join("; "));
      else message.success(t("product.bulkDone", { n: selected.length }));
      setSelected([]);
      void qc.invalidateQueries({ queryKey: ["products", store] });
    },
    onError: (e) => message.error(e.message),
  });
  const setFilter = (f: Partial<Filters>) => {
    setFilters({ ...filters, ...f });
    pager.reset();
  };
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  return (
    <>
      <PageHeader title={t("nav.products")}
        extra={<>
          <Button icon={<UploadOutlined />} onClick={() => setImporting(true)}>{t("product.import")}</Button>
          <Button icon={<DownloadOutlined />} onClick={() => download(`/api/v1/stores/${store}/products/export`, "products.csv")}>{t("common.export")}</Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => nav(`/stores/${store}/products/new`)} data-testid="new-product">{t("product.new")}</Button>
        </>} />
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t("product.search")} onSearch={(v) => setFilter({ q: v || undefined })} style={{ width: 240 }} />
        <Select allowClear placeholder={t("common.status")} style={{ width: 140 }} onChange={(v) => setFilter({ status: v })}
          options={["draft", "on_shelf", "off_shelf"].map((s) => ({ value: s, label: t("status." + s) }))} />
        <Select allowClear placeholder={t("product.stock")} style={{ width: 140 }} onChange={(v) => setFilter({ in_stock: v })}
          options={[{ value: true, label: t("product.inStock") }, { value: false, label: t("product.soldOut") }]} />
        <Select placeholder={t("product.sort")} style={{ width: 160 }} defaultValue="newest" onChange={(v) => setFilter({ sort: v })}
          options={["newest", "oldest", "price_asc", "price_desc"].map((s) => ({ value: s, label: t("sort." + s) }))} />
        <Typography.Text type="secondary">{t("common.selected", { n: selected.length })}</Typography.Text>
        <Button disabled={!selected.length} onClick={() => bulk.mutate("on_shelf")} data-testid="bulk-on">{t("product.putOn")}</Button>
        <Button disabled={!selected.length} onClick={() => bulk.mutate("off_shelf")}>{t("product.takeOff")}</Button>
      </Space>
      <Table rowKey="id" loading={q.isLoading} dataSource={q.data?.items || []} pagination={false} size="middle"
        rowSelection={{ selectedRowKeys: selected, onChange: (k) => setSelected(k as string[]) }}
        locale={{ emptyText: <EmptyState text={filters.q || filters.status ? t("product.noMatch") : t("product.empty")}
          action={<Button type="primary" onClick={() => nav(`/stores/${store}/products/new`)}>{t("product.new")}</Button>} /> }}
        columns={[
          { title: "", dataIndex: "cover", width: 64, render: (c: string) => c ? <AuthImage src={`/api/v1/stores/${store}/files/${c}`} size={48} /> : null },
          { title: t("product.title"), dataIndex: "title", render: (v, r) => <Link to={`/stores/${store}/products/${r.id}`}>{v}</Link> },
          { title: t("product.price"), key: "price", render: (_, r) => r.min_price === r.max_price ? "¥" + yuan(r.min_price) : `¥${yuan(r.min_price)}–${yuan(r.max_price)}` },
          { title: t("product.stock"), dataIndex: "total_stock", align: "right" },
          { title: t("common.status"), dataIndex: "status", render: (s: string, r) => (
            <Space><StatusTag status={s} />
              <Switch size="small" checked={s === "on_shelf"} onChange={async (on) => {
                try {
                  await call(api.PUT("/api/v1/stores/{store}/products/{product}/status", { params: { path: { store, product: r.id! } }, body: { status: on ? "on_shelf" : "off_shelf" } }));
                  void qc.invalidateQueries({ queryKey: ["products", store] });
                } catch (e) {
                  message.error((e as Error).message);
                }
              }} />
            </Space>) },
          { title: "", key: "code", render: (_, r) => <Button size="small" icon={<QrcodeOutlined />} title={t("product.code")}
            onClick={() => download(`/api/v1/stores/${store}/products/${r.id}/code`, `product-${r.id}.jpg`).catch((e) => message.error(e.message))} /> },
        ]} />
      <Pager pager={pager} next={q.data?.next_cursor} />
      <ImportDialog store={store} open={importing} onClose={() => setImporting(false)} />
    </>
  );
}
