import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Modal, Progress, Table, Typography, Upload } from "antd";
import { InboxOutlined } from "@ant-design/icons";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, call, upload, type Schemas } from "../api/client";

interface RowError {
  row: number;
  field: string;
  message: string;
}

/** CSV import as a background job: progress while it runs, then the result with an error per row. */
export default function ImportDialog({ store, open, onClose }: { store: string; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [job, setJob] = useState<string>();
  const [err, setErr] = useState("");
  const q = useQuery({
    queryKey: ["job", store, job],
    enabled: !!job,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/jobs/{job}", { params: { path: { store, job: job! } } })),
    refetchInterval: (q) => (q.state.data?.status === "succeeded" || q.state.data?.status === "failed" ? false : 500),
  });
  const j = q.data;
  const res = (j?.result || {}) as { products?: number; failed?: number; bad_rows?: number; rows?: number; errors?: RowError[] };
  const finished = j?.status === "succeeded";
  // Once, when the import finishes: the list shows the new products.
  useEffect(() => {
    if (finished) void qc.invalidateQueries({ queryKey: ["products", store] });
  }, [finished, qc, store]);
  return (
    <Modal open={open} title={t("product.import")} width={720} footer={<Button onClick={() => { setJob(undefined); onClose(); }}>{t("common.close")}</Button>}
      onCancel={() => { setJob(undefined); onClose(); }}>
      <Typography.Paragraph type="secondary">{t("product.importHelp")}</Typography.Paragraph>
      <Typography.Paragraph code>product_ref,title,subtitle,business_category,spec,price,market_price,stock,barcode</Typography.Paragraph>
      {err && <Alert type="error" showIcon message={err} style={{ marginBottom: 12 }} />}
      {!job && (
        <Upload.Dragger accept=".csv,text/csv" showUploadList={false} customRequest={async ({ file }) => {
          setErr("");
          try {
            const out = await upload<Schemas["jobs.Record"]>(`/api/v1/stores/${store}/products/import`, file as File);
            setJob(out.id);
          } catch (e) {
            setErr(e instanceof ApiError ? e.fields.map((f) => f.message).join("; ") || e.message : String(e));
          }
        }}>
          <p className="ant-upload-drag-icon"><InboxOutlined /></p>
          <p>{t("product.importDrop")}</p>
        </Upload.Dragger>
      )}
      {j && (
        <>
          <Progress percent={j.total ? Math.round(((j.done || 0) / j.total) * 100) : finished ? 100 : 0} status={j.status === "failed" ? "exception" : undefined} />
          {finished && (
            <Alert type={res.bad_rows ? "warning" : "success"} showIcon style={{ margin: "12px 0" }} data-testid="import-result"
              message={t("product.importDone", { created: res.products || 0, bad: res.bad_rows || 0, rows: res.rows || 0 })} />
          )}
          {(res.errors || []).length > 0 && (
            <Table size="small" rowKey={(r) => `${r.row}-${r.field}-${r.message}`} dataSource={res.errors} pagination={{ pageSize: 10, hideOnSinglePage: true }}
              columns={[{ title: t("product.row"), dataIndex: "row", width: 80 }, { title: t("product.field"), dataIndex: "field", width: 140 }, { title: t("product.problem"), dataIndex: "message" }]} />
          )}
        </>
      )}
    </Modal>
  );
}
