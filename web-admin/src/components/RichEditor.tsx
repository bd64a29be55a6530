import { useEffect, useRef } from "react";
import { App, Button, Space, Tooltip, Upload } from "antd";
import { BoldOutlined, ItalicOutlined, OrderedListOutlined, PictureOutlined, UnderlineOutlined, UnorderedListOutlined } from "@ant-design/icons";
import { useTranslation } from "react-i18next";
import { upload, type Schemas } from "../api/client";

/**
 * RichEditor edits a product description as HTML: bold, italic, underline,
 * a heading, lists and the store's own images. The server keeps only these
 * elements (tenant/catalog/description.go), and the mini-program shows them
 * with <rich-text>. Images are uploaded as product images and referenced by
 * their public shop path, so the mini-program can load them.
 */
export default function RichEditor({ store, value, onChange }: { store: string; value?: string; onChange?: (html: string) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const ref = useRef<HTMLDivElement>(null);
  // Set the content only when it changes from outside (loading a product),
  // not while typing: that would move the caret.
  useEffect(() => {
    if (ref.current && ref.current.innerHTML !== (value || "")) ref.current.innerHTML = value || "";
  }, [value]);
  const emit = () => onChange?.(ref.current?.innerHTML || "");
  const cmd = (name: string, arg?: string) => {
    ref.current?.focus();
    document.execCommand(name, false, arg);
    emit();
  };
  return (
    <div style={{ border: "1px solid #d9d9d9", borderRadius: 6 }}>
      <Space size={2} style={{ padding: 4, borderBottom: "1px solid #f0f0f0", width: "100%", flexWrap: "wrap" }}>
        <Tooltip title={t("editor.bold")}><Button size="small" type="text" icon={<BoldOutlined />} onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("bold")} /></Tooltip>
        <Tooltip title={t("editor.italic")}><Button size="small" type="text" icon={<ItalicOutlined />} onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("italic")} /></Tooltip>
        <Tooltip title={t("editor.underline")}><Button size="small" type="text" icon={<UnderlineOutlined />} onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("underline")} /></Tooltip>
        <Button size="small" type="text" onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("formatBlock", "<h3>")}>H</Button>
        <Button size="small" type="text" onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("formatBlock", "<p>")}>¶</Button>
        <Tooltip title={t("editor.bullets")}><Button size="small" type="text" icon={<UnorderedListOutlined />} onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("insertUnorderedList")} /></Tooltip>
        <Tooltip title={t("editor.numbers")}><Button size="small" type="text" icon={<OrderedListOutlined />} onMouseDown={(e) => e.preventDefault()} onClick={() => cmd("insertOrderedList")} /></Tooltip>
        <Upload accept="image/*" showUploadList={false} customRequest={async ({ file, onSuccess, onError }) => {
          try {
            const f = await upload<Schemas["files.File"]>(`/api/v1/stores/${store}/images`, file as File);
            cmd("insertHTML", `<img src="/api/shop/v1/stores/${store}/images/${f.id}" alt="">`);
            onSuccess?.(f);
          } catch (e) {
            onError?.(e as Error);
            message.error((e as Error).message);
          }
        }}>
          <Tooltip title={t("editor.image")}><Button size="small" type="text" icon={<PictureOutlined />} /></Tooltip>
        </Upload>
      </Space>
      <div ref={ref} contentEditable suppressContentEditableWarning onInput={emit} onBlur={emit} data-testid="rich-editor"
        style={{ minHeight: 160, padding: "8px 12px", outline: "none", lineHeight: 1.7 }} />
      <style>{`[data-testid=rich-editor] img{max-width:100%;height:auto;display:block}`}</style>
    </div>
  );
}
