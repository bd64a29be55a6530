import { useNavigate } from "react-router-dom";
import { Button, Card, Col, Row, Statistic, Tag, Typography } from "antd";
import { PlusOutlined } from "@ant-design/icons";
import { useTranslation } from "react-i18next";
import { useStoreKPIs } from "../api/hooks";
import { useAuth } from "../auth";
import { EmptyState, PageHeader, StatusTag } from "../components/common";
import { yuan } from "../lib/money";

/** Every store the person works in, directly or through agencies, side by side with health and KPIs. */
export default function Stores() {
  const { t } = useTranslation();
  const { me } = useAuth();
  const nav = useNavigate();
  const stores = me?.stores || [];
  const kpis = useStoreKPIs(stores.map((s) => s.id!));
  return (
    <>
      <PageHeader title={t("stores.title")} sub={t("stores.sub")}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => nav("/onboarding")}>{t("stores.create")}</Button>} />
      {stores.length === 0 && <EmptyState text={t("stores.empty")} action={<Button type="primary" onClick={() => nav("/onboarding")}>{t("stores.create")}</Button>} />}
      <Row gutter={[16, 16]}>
        {stores.map((s, i) => {
          const k = kpis[i]?.data;
          return (
            <Col key={s.id} xs={24} md={12} xl={8}>
              <Card hoverable onClick={() => nav(`/stores/${s.id}/dashboard`)} data-testid={"store-card-" + s.slug}
                title={<span>{s.name} <Typography.Text type="secondary">/{s.slug}</Typography.Text></span>}
                extra={<StatusTag status={s.status} />}>
                <div style={{ marginBottom: 12 }}>
                  <Tag>{t("entity." + s.entity_type)}</Tag>
                  <Tag color="blue">{t("role." + s.role, { defaultValue: s.role })}</Tag>
                  {s.agency_name && <Tag color="purple">{t("stores.via", { agency: s.agency_name })}</Tag>}
                </div>
                <Row gutter={8}>
                  <Col span={8}><Statistic title={t("dash.gmv7")} value={k ? yuan(k.gmv) : "—"} prefix={k ? "¥" : undefined} valueStyle={{ fontSize: 18 }} /></Col>
                  <Col span={8}><Statistic title={t("dash.paidOrders")} value={k ? k.paid_orders : "—"} valueStyle={{ fontSize: 18 }} /></Col>
                  <Col span={8}><Statistic title={t("dash.conversion")} value={k ? ((k.conversion || 0) * 100).toFixed(1) + "%" : "—"} valueStyle={{ fontSize: 18 }} /></Col>
                </Row>
              </Card>
            </Col>
          );
        })}
      </Row>
    </>
  );
}
