import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Badge, Button, Input, Popconfirm, Select, Space, Switch, Table, Tabs, Tag, Typography } from "antd";
import { CopyOutlined, DeleteOutlined, DownloadOutlined, EditOutlined, PlusOutlined, QrcodeOutlined, UploadOutlined } from "@ant-design/icons";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, call, download } from "../api/client";
import { ProductImage } from "../components/AuthImage";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, PageSkeleton, QueryError, StatusTag, useStore } from "../components/common";
import ImportDialog from "../components/ImportDialog";
import { money, yuan } from "../lib/money";

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
  const counts = useQuery({
    queryKey: ["products", store, "counts"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/products/counts", { params: { path: { store } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["products", store] });
  // Copy: the same product as a new draft, titled as a copy, to edit from.
  const copy = useMutation({
    mutationFn: async (id: string) => {
      const p = await call(api.GET("/api/v1/stores/{store}/products/{product}", { params: { path: { store, product: id } } }));
      return call(api.POST("/api/v1/stores/{store}/products", { params: { path: { store } }, body: {
        title: t("product.copyTitle", { title: p.title }).slice(0, 60), subtitle: p.subtitle, business_category: p.business_category!, category_id: p.category_id,
        description: p.description, images: p.images, attributes: p.attributes, specs: p.specs,
        skus: (p.skus || []).map((k) => ({ spec: k.spec, price: k.price!, market_price: k.market_price, stock: k.stock ?? 0, barcode: "" })),
      } }));
    },
    onSuccess: (p) => { message.success(t("product.copied")); refresh(); nav(`/stores/${store}/products/${p.id}`); },
    onError: (e) => message.error(e.message),
  });
  const remove = useMutation({
    mutationFn: (id: string) => call(api.DELETE("/api/v1/stores/{store}/products/{product}", { params: { path: { store, product: id } } })),
    onSuccess: () => { message.success(t("product.deleted")); refresh(); },
    onError: (e) => message.error(e.message),
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
  const c = (counts.data || {}) as Record<string, number>;
  const tab = filters.in_stock === false ? "sold_out" : filters.status || "all";
  return (
    <>
      <PageHeader title={t("nav.products")}
        extra={<>
          <Button icon={<UploadOutlined />} onClick={() => setImporting(true)}>{t("product.import")}</Button>
          <Button icon={<DownloadOutlined />} onClick={() => download(`/api/v1/stores/${store}/products/export`, "products.csv")}>{t("common.export")}</Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => nav(`/stores/${store}/products/new`)} data-testid="new-product">{t("product.new")}</Button>
        </>} />
      <Tabs activeKey={tab} data-testid="product-tabs"
        onChange={(k) => setFilter({ status: ["draft", "on_shelf", "off_shelf"].includes(k) ? k : undefined, in_stock: k === "sold_out" ? false : undefined })}
        items={["all", "on_shelf", "off_shelf", "draft", "sold_out"].map((k) => ({
          key: k,
          label: <span data-testid={"tab-" + k}>{k === "all" ? t("order.tabAll") : k === "sold_out" ? t("product.soldOut") : t("status." + k)}
            {c[k] ? <Badge count={c[k]} overflowCount={9999} color="#8c8c8c" style={{ marginInlineStart: 6 }} /> : null}</span>,
        }))} />
      {c.low_stock ? <Typography.Paragraph type="warning" data-testid="low-stock-note">{t("product.lowStockNote", { n: c.low_stock })}</Typography.Paragraph> : null}
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search allowClear placeholder={t("product.search")} aria-label={t("product.search")} onSearch={(v) => setFilter({ q: v || undefined })} style={{ width: 240, maxWidth: "100%" }} />
        <Select placeholder={t("product.sort")} aria-label={t("product.sort")} style={{ width: 160 }} defaultValue="newest" onChange={(v) => setFilter({ sort: v })}
          options={["newest", "oldest", "price_asc", "price_desc"].map((s) => ({ value: s, label: t("sort." + s) }))} />
        <Typography.Text type="secondary">{t("common.selected", { n: selected.length })}</Typography.Text>
        <Button disabled={!selected.length} onClick={() => bulk.mutate("on_shelf")} data-testid="bulk-on">{t("product.putOn")}</Button>
        <Button disabled={!selected.length} onClick={() => bulk.mutate("off_shelf")}>{t("product.takeOff")}</Button>
      </Space>
      {q.isLoading ? <PageSkeleton /> : (
      <Table rowKey="id" dataSource={q.data?.items || []} pagination={false} size="middle" scroll={{ x: 960 }}
        rowSelection={{ selectedRowKeys: selected, onChange: (k) => setSelected(k as string[]), getCheckboxProps: (r) => ({ "aria-label": t("product.select", { title: r.title }) }) as object }}
        locale={{ emptyText: <EmptyState text={filters.q || filters.status ? t("product.noMatch") : t("product.empty")}
          action={<Button type="primary" onClick={() => nav(`/stores/${store}/products/new`)}>{t("product.new")}</Button>} /> }}
        columns={[
          { title: t("product.title"), dataIndex: "title", render: (v, r) => (
            <Space size={10}>
              {r.cover ? <ProductImage store={store} file={r.cover} size={48} alt={v} /> : <div style={{ width: 48, height: 48, background: "#f5f5f5", borderRadius: 4 }} />}
              <Link to={`/stores/${store}/products/${r.id}`}>{v}</Link>
            </Space>) },
          { title: t("product.price"), key: "price", render: (_, r) => r.min_price === r.max_price ? money(r.min_price) : `${money(r.min_price)}–${yuan(r.max_price)}` },
          { title: t("product.stock"), dataIndex: "total_stock", align: "right", render: (v: number, r) => (
            <Space size={4}>{v}{v === 0 ? <Tag color="red">{t("product.soldOut")}</Tag> : r.low_stock ? <Tag color="orange" data-testid="low-stock">{t("product.lowStock")}</Tag> : null}</Space>) },
          { title: t("common.status"), dataIndex: "status", render: (s: string, r) => (
            <Space><StatusTag status={s} />
              <Switch size="small" aria-label={t("product.onShelfSwitch", { title: r.title })} checked={s === "on_shelf"} onChange={async (on) => {
                try {
                  await call(api.PUT("/api/v1/stores/{store}/products/{product}/status", { params: { path: { store, product: r.id! } }, body: { status: on ? "on_shelf" : "off_shelf" } }));
                  void qc.invalidateQueries({ queryKey: ["products", store] });
                } catch (e) {
                  message.error((e as Error).message);
                }
              }} />
            </Space>) },
          { title: t("common.actions"), key: "actions", render: (_, r) => (
            <Space size={0} wrap>
              <Button type="link" size="small" icon={<EditOutlined />} onClick={() => nav(`/stores/${store}/products/${r.id}`)}>{t("common.edit")}</Button>
              <Button type="link" size="small" icon={<CopyOutlined />} loading={copy.isPending && copy.variables === r.id} onClick={() => copy.mutate(r.id!)}>{t("common.copy")}</Button>
              <Popconfirm title={t("product.deleteConfirm", { title: r.title })} onConfirm={() => remove.mutate(r.id!)}>
                <Button type="link" size="small" danger icon={<DeleteOutlined />}>{t("common.delete")}</Button>
              </Popconfirm>
              <Button type="link" size="small" icon={<QrcodeOutlined />} aria-label={t("product.code")} title={t("product.code")}
                onClick={() => download(`/api/v1/stores/${store}/products/${r.id}/code`, `product-${r.id}.jpg`).catch((e) => message.error(e.message))} />
            </Space>) },
        ]} />
      )}
      <Pager pager={pager} next={q.data?.next_cursor} />
      <ImportDialog store={store} open={importing} onClose={() => setImporting(false)} />
    </>
  );
}
