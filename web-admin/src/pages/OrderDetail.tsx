import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Descriptions, Form, Input, Modal, Row, Select, Table, Timeline, Typography } from "antd";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, ApiError, call } from "../api/client";
import { PageHeader, PageSkeleton, QueryError, StatusTag, useLang, useStore } from "../components/common";
import { carriers, describeEvent, carrierName, sceneName } from "../lib/describe";
import { useStaffNames } from "../api/hooks";
import type { Translate } from "../lib/forms";
import { fieldErrors } from "../lib/forms";
import { money } from "../lib/money";
import { RefundTable } from "./Refunds";


/** An order: lines, address, payment, the timeline of every change, shipping and its refunds. */
export default function OrderDetail() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const names = useStaffNames(useStore());
  const { message } = App.useApp();
  const store = useStore();
  const id = useParams().order!;
  const qc = useQueryClient();
  const [shipping, setShipping] = useState(false);
  const [form] = Form.useForm();
  const q = useQuery({ queryKey: ["order", store, id], queryFn: () => call(api.GET("/api/v1/stores/{store}/orders/{order}", { params: { path: { store, order: id } } })) });
  const ship = useMutation({
    mutationFn: (v: { carrier: string; tracking_no: string }) => call(api.POST("/api/v1/stores/{store}/orders/{order}/ship", { params: { path: { store, order: id } }, body: v })),
    onSuccess: () => {
      setShipping(false);
      message.success(t("order.shipped"));
      void qc.invalidateQueries({ queryKey: ["order", store, id] });
      void qc.invalidateQueries({ queryKey: ["orders", store] });
    },
    onError: (e) => {
      if (e instanceof ApiError) {
        const fe = fieldErrors(e, ["carrier", "tracking_no"]);
        form.setFields(fe.fields);
        if (fe.rest) message.error(fe.rest);
      }
    },
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  const o = q.data;
  if (!o) return <PageSkeleton rows={10} />;
  const addr = (o.address || {}) as Record<string, string>;
  return (
    <>
      <PageHeader title={<>{t("order.no")} {o.order_no}</>} sub={<StatusTag status={o.status} />}
        extra={o.status === "paid" && <Button type="primary" onClick={() => setShipping(true)} data-testid="ship">{t("order.ship")}</Button>} />
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card size="small" title={t("order.items")}>
            <Table size="small" rowKey="id" pagination={false} dataSource={o.lines || []}
              columns={[
                { title: t("product.title"), dataIndex: "title" },
                { title: t("product.specs"), dataIndex: "spec", render: (s: Record<string, string>) => Object.entries(s || {}).map(([k, v]) => `${k}:${v}`).join(" ") },
                { title: t("product.price"), dataIndex: "price", render: (v: number) => money(v) },
                { title: t("dash.quantity"), dataIndex: "quantity" },
                { title: t("order.refundedQty"), dataIndex: "refunded_quantity" },
              ]} />
            <Descriptions size="small" column={2} style={{ marginTop: 12 }}>
              <Descriptions.Item label={t("order.itemTotal")}>{money(o.item_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.shippingFee")}>{money(o.shipping_fee)}</Descriptions.Item>
              <Descriptions.Item label={t("order.total")}>{money(o.total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.paid")}>{money(o.paid_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.refunded")}>{money(o.refunded_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.payMode")}>{o.pay_mode ? `${t("order.wechatPay")} · ${t("pay." + o.pay_mode, { defaultValue: o.pay_mode })}` : "-"}</Descriptions.Item>
              <Descriptions.Item label={t("order.transaction")}>{o.transaction_id}</Descriptions.Item>
              <Descriptions.Item label={t("order.source")}>{sceneName(o.entry_scene, t as Translate)}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={t("nav.refunds")} style={{ marginTop: 16 }}>
            <RefundTable store={store} orderId={o.id} />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card size="small" title={t("order.address")}>
            <Typography.Paragraph>{addr.name} {addr.phone}<br />{addr.province}{addr.city}{addr.district}{addr.detail}</Typography.Paragraph>
            {o.tracking_no && <Typography.Paragraph>{t("order.carrier")}：{carrierName(o.carrier, lang)} · {o.tracking_no}</Typography.Paragraph>}
            {o.remark && <Typography.Paragraph type="secondary">{t("order.remark")}: {o.remark}</Typography.Paragraph>}
          </Card>
          <Card size="small" title={t("order.timeline")} style={{ marginTop: 16 }}>
            <Timeline items={(o.events || []).map((e) => ({
              children: <><div>{describeEvent(e, { t: t as Translate, lang, names, buyer: addr.name, paid: o.paid_total })}</div>
                <Typography.Text type="secondary">{dayjs(e.at).format("YYYY-MM-DD HH:mm:ss")}</Typography.Text> <StatusTag status={e.to} /></>,
            }))} />
          </Card>
        </Col>
      </Row>
      <Modal open={shipping} title={t("order.ship")} onCancel={() => setShipping(false)} onOk={() => form.submit()} confirmLoading={ship.isPending} okButtonProps={{ id: "confirm-ship" }}>
        <Form form={form} layout="vertical" onFinish={(v) => ship.mutate(v)} initialValues={{ carrier: "SF" }}>
          <Form.Item name="carrier" label={t("order.carrier")} rules={[{ required: true }]}>
            <Select options={carriers.map((c) => ({ value: c.code, label: lang === "zh-CN" ? c.zh : c.en }))} />
          </Form.Item>
          <Form.Item name="tracking_no" label={t("order.trackingNo")} rules={[{ required: true }]}><Input data-testid="tracking-no" /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
