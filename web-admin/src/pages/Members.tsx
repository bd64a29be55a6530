import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Drawer, Descriptions, Popconfirm, Space, Table } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import dayjs from "dayjs";
import { api, call, download, type Schemas } from "../api/client";
import { Pager, usePager } from "../components/Pager";
import { EmptyState, PageHeader, QueryError, StatusTag, useStore } from "../components/common";
import { yuan } from "../lib/money";

/** The store's shoppers; a member's detail shows their orders. */
export default function Members() {
  const { t } = useTranslation();
  const store = useStore();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const pager = usePager();
  const [open, setOpen] = useState<Schemas["member.Member"] | null>(null);
  const cursor = pager.cursor;
  const q = useQuery({
    queryKey: ["members", store, cursor],
    queryFn: () => call(api.GET("/api/v1/stores/{store}/members", { params: { path: { store }, query: { cursor, limit: 50 } } })),
  });
  const orders = useQuery({
    queryKey: ["orders", store, { member_id: open?.id }],
    enabled: !!open,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/orders", { params: { path: { store }, query: { member_id: open!.id, limit: 50 } } })),
  });
  if (q.error) return <QueryError error={q.error} retry={() => void q.refetch()} />;
  return (
    <>
      <PageHeader title={t("nav.members")} sub={t("member.sub")} />
      <Table rowKey="id" loading={q.isLoading} dataSource={q.data?.items || []} pagination={false}
        locale={{ emptyText: <EmptyState text={t("member.empty")} /> }}
        onRow={(r) => ({ onClick: () => setOpen(r), style: { cursor: "pointer" } })}
        columns={[
          { title: t("member.nickname"), dataIndex: "nickname", render: (v: string) => v || t("member.anonymous") },
          { title: t("member.phone"), dataIndex: "phone" },
          { title: t("order.source"), dataIndex: "entry_scene" },
          { title: t("member.consent"), dataIndex: "consent_version", render: (v: string, r) => v ? `v${v} · ${dayjs(r.consent_at).format("YYYY-MM-DD")}` : "—" },
          { title: t("member.joined"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD HH:mm") },
        ]} />
      <Pager pager={pager} next={q.data?.next_cursor} />
      <Drawer open={!!open} width={640} onClose={() => setOpen(null)} title={open?.nickname || t("member.anonymous")}>
        {open && (
          <>
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label="ID">{open.id}</Descriptions.Item>
              <Descriptions.Item label={t("member.phone")}>{open.phone || "—"} {open.phone_source && `(${open.phone_source})`}</Descriptions.Item>
              <Descriptions.Item label={t("order.source")}>{open.entry_scene} {open.share_from && `← ${open.share_from}`}</Descriptions.Item>
              <Descriptions.Item label={t("member.consent")}>{open.consent_version ? `v${open.consent_version} · ${dayjs(open.consent_at).format("YYYY-MM-DD HH:mm")}` : "—"}</Descriptions.Item>
            </Descriptions>
            <p style={{ marginTop: 12, color: "#888" }}>{t("member.pipl")}</p>
            <Space>
              <Button onClick={() => download(`/api/v1/stores/${store}/members/${open.id}/export`, `member-${open.id}.json`).catch((e) => message.error(e.message))}>
                {t("member.export")}
              </Button>
              <Popconfirm title={t("member.eraseConfirm")} onConfirm={async () => {
                try {
                  await call(api.DELETE("/api/v1/stores/{store}/members/{member}", { params: { path: { store, member: open.id! } } }));
                  message.success(t("member.erased"));
                  setOpen(null);
                  void qc.invalidateQueries({ queryKey: ["members", store] });
                } catch (e) { message.error((e as Error).message); }
              }}><Button danger>{t("member.erase")}</Button></Popconfirm>
            </Space>
            <Table size="small" rowKey="id" style={{ marginTop: 12 }} dataSource={orders.data?.items || []} loading={orders.isLoading} pagination={false}
              columns={[
                { title: t("order.no"), dataIndex: "order_no", render: (v, r) => <Link to={`/stores/${store}/orders/${r.id}`}>{v}</Link> },
                { title: t("order.total"), dataIndex: "total", render: (v: number) => "¥" + yuan(v) },
                { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
                { title: t("common.createdAt"), dataIndex: "created_at", render: (d: string) => dayjs(d).format("YYYY-MM-DD") },
              ]} />
          </>
        )}
      </Drawer>
    </>
  );
}
