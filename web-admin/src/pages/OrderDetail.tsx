import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Descriptions, Form, Input, Modal, Row, Select, Table, Timeline, Typography } from "antd";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, ApiError, call } from "../api/client";
import { PageHeader, QueryError, StatusTag, useStore } from "../components/common";
import { fieldErrors } from "../lib/forms";
import { yuan } from "../lib/money";
import { RefundTable } from "./Refunds";

const carriers = ["SF", "YTO", "ZTO", "STO", "YD", "JTSD", "EMS", "JD"];

/** An order: lines, address, payment, the timeline of every change, shipping and its refunds. */
export default function OrderDetail() {
  const { t } = useTranslation();
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
  if (!o) return null;
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
                { title: t("product.price"), dataIndex: "price", render: (v: number) => "¥" + yuan(v) },
                { title: t("dash.quantity"), dataIndex: "quantity" },
                { title: t("order.refundedQty"), dataIndex: "refunded_quantity" },
              ]} />
            <Descriptions size="small" column={2} style={{ marginTop: 12 }}>
              <Descriptions.Item label={t("order.itemTotal")}>¥{yuan(o.item_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.shippingFee")}>¥{yuan(o.shipping_fee)}</Descriptions.Item>
              <Descriptions.Item label={t("order.total")}>¥{yuan(o.total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.paid")}>¥{yuan(o.paid_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.refunded")}>¥{yuan(o.refunded_total)}</Descriptions.Item>
              <Descriptions.Item label={t("order.payMode")}>{o.pay_mode}</Descriptions.Item>
              <Descriptions.Item label={t("order.transaction")}>{o.transaction_id}</Descriptions.Item>
              <Descriptions.Item label={t("order.source")}>{o.entry_scene}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={t("nav.refunds")} style={{ marginTop: 16 }}>
            <RefundTable store={store} orderId={o.id} />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card size="small" title={t("order.address")}>
            <Typography.Paragraph>{addr.name} {addr.phone}<br />{addr.province}{addr.city}{addr.district}{addr.detail}</Typography.Paragraph>
            {o.tracking_no && <Typography.Paragraph>{t("order.carrier")}: {o.carrier} · {o.tracking_no}</Typography.Paragraph>}
            {o.remark && <Typography.Paragraph type="secondary">{t("order.remark")}: {o.remark}</Typography.Paragraph>}
          </Card>
          <Card size="small" title={t("order.timeline")} style={{ marginTop: 16 }}>
            <Timeline items={(o.events || []).map((e) => ({
              children: <><StatusTag status={e.to} /> <Typography.Text type="secondary">{dayjs(e.at).format("MM-DD HH:mm:ss")} · {e.actor}</Typography.Text>{e.note && <div>{e.note}</div>}</>,
            }))} />
          </Card>
        </Col>
      </Row>
      <Modal open={shipping} title={t("order.ship")} onCancel={() => setShipping(false)} onOk={() => form.submit()} confirmLoading={ship.isPending} okButtonProps={{ id: "confirm-ship" }}>
        <Form form={form} layout="vertical" onFinish={(v) => ship.mutate(v)} initialValues={{ carrier: "SF" }}>
          <Form.Item name="carrier" label={t("order.carrier")} rules={[{ required: true }]}>
            <Select options={carriers.map((c) => ({ value: c, label: t("carrier." + c, { defaultValue: c }) }))} />
          </Form.Item>
          <Form.Item name="tracking_no" label={t("order.trackingNo")} rules={[{ required: true }]}><Input data-testid="tracking-no" /></Form.Item>
        </Form>
      </Modal>
    </>
  );
}
