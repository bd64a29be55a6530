import { createContext, useContext, type ReactNode } from "react";
import { Alert, Button, Card, Empty, Result, Skeleton, Space, Tag, Typography } from "antd";
import { ReloadOutlined } from "@ant-design/icons";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../api/client";
import type { Lang } from "../i18n";

export const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: "zh-CN", setLang: () => {} });
export const useLang = () => useContext(LangContext);

/** The store in the URL. */
export function useStore(): string {
  return useParams().store || "";
}

export function PageHeader({ title, extra, sub }: { title: ReactNode; extra?: ReactNode; sub?: ReactNode }) {
  return (
    <div style={{ display: "flex", alignItems: "center", justifyContent: "space-between", marginBottom: 16, gap: 12, flexWrap: "wrap" }}>
      <div>
        <Typography.Title level={4} style={{ margin: 0 }}>{title}</Typography.Title>
        {sub && <Typography.Text type="secondary">{sub}</Typography.Text>}
      </div>
      <Space wrap>{extra}</Space>
    </div>
  );
}

/**
 * QueryError shows a failed load. Another store's thing answers 404 and looks
 * exactly like a missing one.
 */
export function QueryError({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  const nav = useNavigate();
  if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
    return (
      <Result status="404" title={t("notFound.title")} subTitle={t("notFound.sub")}
        extra={<Button onClick={() => nav("/")}>{t("notFound.home")}</Button>} />
    );
  }
  // fetch's TypeError ("Failed to fetch") is the network, not a server answer.
  const msg = error instanceof ApiError ? error.message : t("err.network");
  const rid = error instanceof ApiError && error.requestId ? `（${t("common.requestId")} ${error.requestId}）` : "";
  return (
    <Alert type="error" showIcon message={t("common.loadFailed")} description={msg + rid} data-testid="load-error"
      action={retry && <Button icon={<ReloadOutlined />} onClick={retry} data-testid="retry">{t("common.retry")}</Button>} />
  );
}

/** PageSkeleton stands where a screen's content will be while it loads: the shape, not an empty form to type into. */
export function PageSkeleton({ rows = 6 }: { rows?: number }) {
  return (
    <Card data-testid="skeleton" aria-busy="true">
      <Skeleton active title paragraph={{ rows }} />
    </Card>
  );
}

export function EmptyState({ text, action }: { text: ReactNode; action?: ReactNode }) {
  return <Empty description={text}>{action}</Empty>;
}

const statusColor: Record<string, string> = {
  active: "green", on_shelf: "green", paid: "blue", shipped: "cyan", completed: "green", succeeded: "green", released: "green",
  approved: "green", draft: "default", off_shelf: "default", pending_payment: "orange", pending_documents: "orange",
  pending_review: "gold", requested: "gold", processing: "blue", auditing: "processing", running: "processing", queued: "default",
  closed: "default", cancelled: "default", rejected: "red", failed: "red", audit_failed: "red", suspended: "red", refused: "red",
  withdrawn: "default", rolled_back: "purple", audit_delayed: "gold", releasing: "processing", refunding: "gold", refunded: "purple",
};

export function StatusTag({ status }: { status?: string }) {
  const { t } = useTranslation();
  if (!status) return null;
  return <Tag color={statusColor[status] || "default"}>{t("status." + status, { defaultValue: status })}</Tag>;
}

/** useFormErrors applies an ApiError to a form inline and returns what is left to show. */
export { fieldErrors } from "../lib/forms";

/** A label only screen readers see, for a control whose visible label is its column or placeholder. */
export function SrLabel({ htmlFor, children }: { htmlFor: string; children: ReactNode }) {
  return (
    <label htmlFor={htmlFor} style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)", whiteSpace: "nowrap" }}>
      {children}
    </label>
  );
}
