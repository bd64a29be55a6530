import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button, Card, Result } from "antd";
import { useNavigate, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api, call } from "../api/client";

export default function AcceptInvitation() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const nav = useNavigate();
  const qc = useQueryClient();
  const accept = useMutation({
    mutationFn: () => call(api.POST("/api/v1/invitations/accept", { body: { token: params.get("token") || "" } })),
    onSuccess: async (s) => { await qc.invalidateQueries({ queryKey: ["me"] }); nav(`/stores/${(s as { id?: string }).id}/dashboard`); },
  });
  return (
    <Card style={{ maxWidth: 480, margin: "80px auto" }}>
      {accept.error ? <Result status="error" title={accept.error.message} /> : (
        <Result title={t("invite.title")} extra={<Button type="primary" loading={accept.isPending} onClick={() => accept.mutate()}>{t("invite.accept")}</Button>} />
      )}
    </Card>
  );
}
