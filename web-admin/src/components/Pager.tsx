import { useState } from "react";
import { Button, Space } from "antd";
import { useTranslation } from "react-i18next";

/**
 * usePager pages a keyset-paginated list: the API answers next_cursor, and
 * the cursors of the pages seen so far let the user go back.
 */
export function usePager() {
  const [cursors, setCursors] = useState<string[]>([""]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor: cursor || undefined,
    reset: () => setCursors([""]),
    back: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    forward: (next?: string) => (next ? () => setCursors([...cursors, next]) : undefined),
  };
}

export function Pager({ pager, next }: { pager: ReturnType<typeof usePager>; next?: string }) {
  const { t } = useTranslation();
  const forward = pager.forward(next);
  return (
    <Space style={{ marginTop: 12 }}>
      <Button disabled={!pager.back} onClick={pager.back}>{t("common.prev")}</Button>
      <Button disabled={!forward} onClick={forward}>{t("common.nextPage")}</Button>
    </Space>
  );
}
