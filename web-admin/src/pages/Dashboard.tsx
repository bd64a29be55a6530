import { useQuery } from "@tanstack/react-query";
import { Badge, Card, Col, List, Row, Segmented, Skeleton, Statistic, Table } from "antd";
import { Link } from "react-router-dom";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api, call } from "../api/client";
import { useStoreInfo } from "../api/hooks";
import { PageHeader, QueryError, useStore } from "../components/common";
import { money } from "../lib/money";
import { sceneName } from "../lib/describe";
import type { Translate } from "../lib/forms";
import { compare } from "../lib/compare";

export default function Dashboard() {
  const { t } = useTranslation();
  const store = useStore();
  const info = useStoreInfo(store);
  const [days, setDays] = useState<1 | 7 | 30>(7);
  const q = useQuery({
    queryKey: ["dashboard", store, days],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/dashboard", { params: { path: { store }, query: { days } } })),
  });
  const orderCounts = useQuery({
    queryKey: ["orders", store, "counts"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/orders/counts", { params: { path: { store } } })),
  });
  const productCounts = useQuery({
    queryKey: ["products", store, "counts"],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/products/counts", { params: { path: { store } } })),
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const docs = (info.data?.categories || []).filter((c) => c.status === "pending_documents").length;
  const todo = [
    { key: "ship", n: orderCounts.data?.paid, to: "orders" },
    { key: "refunds", n: orderCounts.data?.refunds_waiting, to: "refunds" },
    { key: "lowStock", n: (productCounts.data?.low_stock || 0) + (productCounts.data?.sold_out || 0), to: "products" },
    { key: "documents", n: docs, to: "settings" },
  ];
  const d = q.data;
  return (
    <>
      <PageHeader title={info.data?.store?.name || t("nav.dashboard")} sub={t("dash.sub")}
        extra={<Segmented value={days} onChange={(v) => setDays(v as 1 | 7 | 30)}
          options={[{ value: 1, label: t("dash.today") }, { value: 7, label: t("dash.d7") }, { value: 30, label: t("dash.d30") }]} />} />
      {!d ? <Skeleton active /> : (
        <>
          <Row gutter={[16, 16]}>
            {([
              ["gmv", t("dash.gmv"), money(d.gmv), d.gmv, d.previous?.gmv],
              ["paid", t("dash.paidOrders"), d.paid_orders, d.paid_orders, d.previous?.paid_orders],
              ["orders", t("dash.orders"), d.orders, d.orders, d.previous?.orders],
              ["members", t("dash.payingMembers"), d.paying_members, d.paying_members, d.previous?.paying_members],
              ["conv", t("dash.conversion"), ((d.conversion || 0) * 100).toFixed(1) + "%", d.conversion, d.previous?.conversion],
              ["new", t("dash.newMembers"), d.new_members, d.new_members, d.previous?.new_members],
            ] as [string, string, string | number | undefined, number | undefined, number | undefined][]).map(([k, title, v, cur, prev]) => {
              const c = compare(cur || 0, prev || 0, days, t as Translate, k === "conv");
              return (
                <Col key={k} xs={12} md={8} xl={4}>
                  <Card size="small">
                    <Statistic title={title} value={v as string} data-testid={"kpi-" + k} />
                    <div style={{ fontSize: 12, color: c.dir > 0 ? "#a8071a" : c.dir < 0 ? "#135200" : "#595959" }} data-testid={"cmp-" + k}>{c.text}</div>
                  </Card>
                </Col>
              );
            })}
          </Row>
          <Card size="small" title={t("dash.todo")} style={{ marginTop: 16 }} data-testid="todo">
            <List grid={{ gutter: 16, xs: 2, md: 4 }} dataSource={todo} renderItem={(i) => (
              <List.Item>
                <Link to={`/stores/${store}/${i.to}`} data-testid={"todo-" + i.key}>
                  <Badge count={i.n || 0} showZero color={i.n ? "#d4380d" : "#bfbfbf"} overflowCount={999} /> <span style={{ marginInlineStart: 6 }}>{t("dash.todo_" + i.key)}</span>
                </Link>
              </List.Item>)} />
          </Card>
          <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
            <Col xs={24} xl={14}>
              <Card size="small" title={t("dash.trend")}>
                <ResponsiveContainer width="100%" height={260}>
                  <LineChart data={(d.series || []).map((s) => ({ date: s.date!.slice(5), gmv: (s.gmv || 0) / 100, orders: s.orders }))}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="date" />
                    <YAxis yAxisId="l" tickFormatter={(v: number) => v.toLocaleString("en-US")} />
                    <YAxis yAxisId="r" orientation="right" allowDecimals={false} />
                    <Tooltip />
                    <Line isAnimationActive={false} yAxisId="l" type="monotone" dataKey="gmv" name={t("dash.gmvYuan")} stroke="#1677ff" />
                    <Line isAnimationActive={false} yAxisId="r" type="monotone" dataKey="orders" name={t("dash.paidOrders")} stroke="#52c41a" />
                  </LineChart>
                </ResponsiveContainer>
              </Card>
            </Col>
            <Col xs={24} xl={10}>
              <Card size="small" title={t("dash.bySource")}>
                <ResponsiveContainer width="100%" height={260}>
                  <BarChart data={(d.by_source || []).map((s) => ({ scene: sceneName(s.scene, t as Translate), orders: s.orders }))}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="scene" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar isAnimationActive={false} dataKey="orders" name={t("dash.paidOrders")} fill="#722ed1" />
                  </BarChart>
                </ResponsiveContainer>
              </Card>
            </Col>
          </Row>
          <Card size="small" title={t("dash.topProducts")} style={{ marginTop: 16 }}>
            <Table size="small" rowKey="product_id" pagination={false} dataSource={d.top_products || []}
              locale={{ emptyText: t("dash.noSales") }}
              columns={[
                { title: t("product.title"), dataIndex: "title" },
                { title: t("dash.quantity"), dataIndex: "quantity", align: "right" },
                { title: t("dash.gmv"), dataIndex: "gmv", align: "right", render: (v: number) => money(v) },
              ]} />
          </Card>
        </>
      )}
    </>
  );
}
