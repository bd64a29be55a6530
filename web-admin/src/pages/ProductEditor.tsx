import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Table, TreeSelect, Upload } from "antd";
import { ArrowLeftOutlined, MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, upload, type Schemas } from "../api/client";
import { useBusinessCategories, useStoreInfo } from "../api/hooks";
import { ProductImage } from "../components/AuthImage";
import RichEditor from "../components/RichEditor";
import { PageHeader, PageSkeleton, QueryError, SrLabel, StatusTag, useLang, useStore } from "../components/common";
import { fieldErrors } from "../lib/forms";
import { toFen, yuan } from "../lib/money";
import { matrix, type SkuRow, type Spec } from "../lib/sku";

type Category = Schemas["catalog.Category"];

interface TreeOption {
  value: string;
  title: string;
  children?: TreeOption[];
}

export function treeData(cats: Category[]): TreeOption[] {
  return cats.map((c) => ({ value: c.id!, title: c.name!, children: c.children?.length ? treeData(c.children as Category[]) : undefined }));
}

interface Row extends SkuRow {
  priceYuan?: string;
  marketYuan?: string;
}

/** Create or edit a product: details, images, attributes, specs and the SKU matrix they make. */
export default function ProductEditor() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const { message } = App.useApp();
  const store = useStore();
  const product = useParams().product;
  const nav = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [rows, setRows] = useState<Row[]>(matrix([]));
  const [images, setImages] = useState<string[]>([]);
  const [err, setErr] = useState("");
  // The server's errors on SKU rows ("skus[1].price"), shown on the cell they name.
  const [skuErrs, setSkuErrs] = useState<Record<string, string>>({});
  // Read when the form's validation finishes, after the click that set it.
  const onSale = useRef(false);
  const [thenOnSale, setThenOnSaleState] = useState(false);
  const setThenOnSale = (v: boolean) => { onSale.current = v; setThenOnSaleState(v); };
  const info = useStoreInfo(store);
  const bc = useBusinessCategories();
  const cats = useQuery({ queryKey: ["categories", store], queryFn: () => call(api.GET("/api/v1/stores/{store}/categories", { params: { path: { store } } })) });
  const existing = useQuery({
    queryKey: ["product", store, product],
    enabled: !!product,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/products/{product}", { params: { path: { store, product: product! } } })),
  });
  useEffect(() => {
    const p = existing.data;
    if (!p) return;
    form.setFieldsValue({ title: p.title, subtitle: p.subtitle, business_category: p.business_category, category_id: p.category_id || undefined,
      description: p.description, attributes: p.attributes, specs: p.specs });
    setImages(p.images || []);
    setRows(matrix((p.specs || []) as Spec[], (p.skus || []).map((s) => ({ key: "", spec: s.spec as Record<string, string>, price: s.price, market_price: s.market_price,
      stock: s.stock, barcode: s.barcode, priceYuan: yuan(s.price), marketYuan: s.market_price ? yuan(s.market_price) : undefined }))));
  }, [existing.data, form]);
  const specs: Spec[] = Form.useWatch("specs", form) || [];
  const specsKey = JSON.stringify(specs);
  useEffect(() => setRows((old) => matrix(specs, old)), [specsKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const active = useMemo(() => (info.data?.categories || []).filter((c) => c.status === "active").map((c) => c.category!), [info.data]);
  const save = useMutation({
    mutationFn: async (v: Schemas["catalog.ProductInput"]) => {
      const skus = rows.map((r, i) => {
        const price = toFen(r.priceYuan ?? "");
        const market = r.marketYuan ? toFen(r.marketYuan) : 0;
        if (price === null) throw new ApiError(400, { error: { code: "invalid", message: t("product.rowPrice", { n: i + 1 }), fields: [{ field: `skus[${i}].price`, code: "invalid", message: t("product.priceRule") }] } });
        return { spec: r.spec, price, market_price: market ?? 0, stock: r.stock ?? 0, barcode: r.barcode || "" };
      });
      const body = { ...v, images, skus, specs: v.specs || [], attributes: v.attributes || [] };
      const saved = product
        ? await call(api.PUT("/api/v1/stores/{store}/products/{product}", { params: { path: { store, product } }, body }))
        : await call(api.POST("/api/v1/stores/{store}/products", { params: { path: { store } }, body }));
      if (onSale.current && saved.status !== "on_shelf") {
        await call(api.PUT("/api/v1/stores/{store}/products/{product}/status", { params: { path: { store, product: saved.id! } }, body: { status: "on_shelf" } }));
      }
      return saved;
    },
    onSuccess: (p) => {
      setErr("");
      setSkuErrs({});
      message.success(onSale.current ? t("product.savedOnSale") : t("common.saved"));
      void qc.invalidateQueries({ queryKey: ["products", store] });
      void qc.invalidateQueries({ queryKey: ["product", store, p.id] });
      if (!product) nav(`/stores/${store}/products/${p.id}`, { replace: true });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["title", "subtitle", "business_category", "category_id", "description", "attributes", "specs", "skus"]);
        const sku = fe.fields.filter((f) => f.name[0] === "skus");
        setSkuErrs(Object.fromEntries(sku.map((f) => [f.name.slice(1).join("."), f.errors[0]])));
        form.setFields(fe.fields.filter((f) => f.name[0] !== "skus"));
        setErr(fe.rest || (sku.length ? e.message : ""));
      } else setErr(String(e));
    },
  });
  if (existing.error) return <QueryError error={existing.error} retry={() => void existing.refetch()} />;
  if (product && !existing.data) return <PageSkeleton rows={12} />;
  const cellErr = (i: number, f: string) => skuErrs[`${i}.${f}`];
  const setRow = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const specNames = specs.filter((s) => s?.name).map((s) => s.name);
  return (
    <>
      <PageHeader title={product ? existing.data?.title || t("product.edit") : t("product.new")}
        sub={existing.data && <StatusTag status={existing.data.status} />}
        extra={<>
          <Button icon={<ArrowLeftOutlined />} onClick={() => nav(`/stores/${store}/products`)}>{t("common.return")}</Button>
          <Button onClick={() => { setThenOnSale(false); form.submit(); }} loading={save.isPending && !thenOnSale} data-testid="save-product">{t("common.save")}</Button>
          {existing.data?.status !== "on_shelf" && (
            <Button type="primary" onClick={() => { setThenOnSale(true); form.submit(); }} loading={save.isPending && thenOnSale} data-testid="save-on-sale">{t("product.saveOnSale")}</Button>
          )}
        </>} />
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
        <Row gutter={16}>
          <Col xs={24} xl={14}>
            <Card title={t("product.basics")} size="small">
              <Form.Item name="title" label={t("product.title")} rules={[{ required: true, max: 60 }]}><Input /></Form.Item>
              <Form.Item name="subtitle" label={t("product.subtitle")}><Input /></Form.Item>
              <Space style={{ width: "100%" }} size="large" wrap>
                {/* A validator, not required: true, which would put aria-required on the Select's wrapper div (an axe critical). */}
                <Form.Item name="business_category" label={t("product.businessCategory")}
                  rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error(t("ferr.required")))) }]}>
                  <Select style={{ width: 220 }} options={active.map((c) => {
                    const x = bc.data?.categories?.find((y) => y.code === c);
                    return { value: c, label: x ? (lang === "zh-CN" ? x.label_zh : x.label) : c };
                  })} />
                </Form.Item>
                <Form.Item name="category_id" label={t("product.category")}>
                  <TreeSelect allowClear style={{ width: 220 }} treeData={treeData(cats.data?.items || [])} treeDefaultExpandAll />
                </Form.Item>
              </Space>
              <Form.Item name="description" label={t("product.description")} extra={t("product.descriptionHelp")}>
                <RichEditor store={store} />
              </Form.Item>
            </Card>
          </Col>
          <Col xs={24} xl={10}>
            <Card title={t("product.images")} size="small">
              <Space wrap>
                {images.map((id) => (
                  <div key={id} style={{ position: "relative" }}>
                    <ProductImage store={store} file={id} />
                    <Button size="small" type="text" danger style={{ position: "absolute", top: 0, right: 0 }} onClick={() => setImages(images.filter((x) => x !== id))}>×</Button>
                  </div>
                ))}
                <Upload accept="image/*" showUploadList={false} customRequest={async ({ file, onSuccess, onError }) => {
                  try {
                    const f = await upload<Schemas["files.File"]>(`/api/v1/stores/${store}/images`, file as File);
                    setImages((old) => [...old, f.id!]);
                    onSuccess?.(f);
                  } catch (e) {
                    onError?.(e as Error);
                    message.error((e as Error).message);
                  }
                }}>
                  <Button icon={<PlusOutlined />} style={{ width: 80, height: 80 }} data-testid="upload-image" />
                </Upload>
              </Space>
            </Card>
            <Card title={t("product.attributes")} size="small" style={{ marginTop: 16 }}>
              <Form.List name="attributes">
                {(fields, { add, remove }) => (
                  <>
                    {fields.map((f) => (
                      <Space key={f.key} align="baseline">
                        <Form.Item name={[f.name, "name"]} rules={[{ required: true }]}><Input placeholder={t("product.attrName")} aria-label={t("product.attrName")} /></Form.Item>
                        <Form.Item name={[f.name, "value"]} rules={[{ required: true }]}><Input placeholder={t("product.attrValue")} aria-label={t("product.attrValue")} /></Form.Item>
                        <MinusCircleOutlined onClick={() => remove(f.name)} />
                      </Space>
                    ))}
                    <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />}>{t("product.addAttr")}</Button>
                  </>
                )}
              </Form.List>
            </Card>
          </Col>
        </Row>
        <Card title={t("product.specs")} size="small" style={{ marginTop: 16 }}>
          <Form.List name="specs">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" style={{ display: "flex" }} wrap>
                    <SrLabel htmlFor={"spec-values-input-" + f.name}>{t("product.specValues")}</SrLabel>
                    <Form.Item name={[f.name, "name"]} rules={[{ required: true }]}><Input placeholder={t("product.specName")} aria-label={t("product.specName")} style={{ width: 120 }} data-testid={"spec-name-" + f.name} /></Form.Item>
                    <Form.Item name={[f.name, "values"]} rules={[{ required: true }]}>
                      <Select mode="tags" id={"spec-values-input-" + f.name} placeholder={t("product.specValues")} style={{ minWidth: 200, width: "min(360px, 60vw)" }} tokenSeparators={[",", "，"]} open={false} data-testid={"spec-values-" + f.name} />
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(f.name)} />
                  </Space>
                ))}
                <Button type="dashed" onClick={() => add({ name: "", values: [] })} icon={<PlusOutlined />} data-testid="add-spec">{t("product.addSpec")}</Button>
              </>
            )}
          </Form.List>
          <Table size="small" rowKey={(r) => r.key} pagination={false} dataSource={rows} style={{ marginTop: 12 }} data-testid="sku-matrix" scroll={{ x: "max-content" }}
            columns={[
              ...specNames.map((n) => ({ title: n, key: "s-" + n, render: (_: unknown, r: Row) => r.spec[n] })),
              { title: t("product.priceYuan"), key: "price", render: (_: unknown, r: Row, i: number) => (
                <Input style={{ width: 110 }} value={r.priceYuan} status={(r.priceYuan && toFen(r.priceYuan) === null) || cellErr(i, "price") ? "error" : undefined}
                  title={cellErr(i, "price")} aria-label={skuLabel(r, i, t("product.priceYuan"))}
                  onChange={(e) => setRow(i, { priceYuan: e.target.value })} data-testid={"sku-price-" + i} />) },
              { title: t("product.marketYuan"), key: "market", render: (_: unknown, r: Row, i: number) => (
                <Input style={{ width: 110 }} value={r.marketYuan} status={cellErr(i, "market_price") ? "error" : undefined} title={cellErr(i, "market_price")}
                  aria-label={skuLabel(r, i, t("product.marketYuan"))} onChange={(e) => setRow(i, { marketYuan: e.target.value })} />) },
              { title: t("product.stock"), key: "stock", render: (_: unknown, r: Row, i: number) => (
                <InputNumber min={0} precision={0} value={r.stock} status={cellErr(i, "stock") ? "error" : undefined} title={cellErr(i, "stock")}
                  aria-label={skuLabel(r, i, t("product.stock"))} onChange={(v) => setRow(i, { stock: v ?? 0 })} data-testid={"sku-stock-" + i} />) },
              { title: t("product.barcode"), key: "barcode", render: (_: unknown, r: Row, i: number) => (
                <Input style={{ width: 150 }} value={r.barcode} status={cellErr(i, "barcode") ? "error" : undefined} title={cellErr(i, "barcode")}
                  aria-label={skuLabel(r, i, t("product.barcode"))} onChange={(e) => setRow(i, { barcode: e.target.value })} />) },
            ]} />
        </Card>
      </Form>
    </>
  );
}

/** "颜色:红 · 售价（元）": what an SKU matrix cell holds, for screen readers (the column header is not its label). */
function skuLabel(r: Row, i: number, column: string): string {
  const spec = Object.values(r.spec || {}).join(" ");
  return `${spec || "#" + (i + 1)} ${column}`;
}
