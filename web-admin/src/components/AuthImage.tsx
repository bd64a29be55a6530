import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Image, Skeleton } from "antd";
import { download } from "../api/client";

/** An image from an authenticated endpoint (the browser cannot send the bearer token from an <img>). */
export default function AuthImage({ src, size = 80 }: { src: string; size?: number }) {
  const q = useQuery({ queryKey: ["blob", src], staleTime: Infinity, queryFn: async () => URL.createObjectURL(await download(src)) });
  if (!q.data) return <Skeleton.Image style={{ width: size, height: size }} active={q.isLoading} />;
  return <Image src={q.data} width={size} height={size} style={{ objectFit: "cover", borderRadius: 4 }} />;
}

/**
 * ProductImage shows a product image through the store's public image route
 * (the one the mini-program uses: immutable, cached by the browser), so a list
 * of products costs no API call per thumbnail. A store the shop API does not
 * serve (suspended) falls back to the authenticated download.
 */
export function ProductImage({ store, file, size = 80, alt = "" }: { store: string; file: string; size?: number; alt?: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) return <AuthImage src={`/api/v1/stores/${store}/files/${file}`} size={size} />;
  return (
    <img src={`/api/shop/v1/stores/${store}/images/${file}`} width={size} height={size} alt={alt} loading="lazy" onError={() => setFailed(true)}
      style={{ objectFit: "cover", borderRadius: 4, background: "#f5f5f5", display: "block", flex: "none" }} />
  );
}
