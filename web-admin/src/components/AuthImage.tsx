import { useQuery } from "@tanstack/react-query";
import { Image, Skeleton } from "antd";
import { download } from "../api/client";

/** An image from an authenticated endpoint (the browser cannot send the bearer token from an <img>). */
export default function AuthImage({ src, size = 80 }: { src: string; size?: number }) {
  const q = useQuery({ queryKey: ["blob", src], staleTime: Infinity, queryFn: async () => URL.createObjectURL(await download(src)) });
  if (!q.data) return <Skeleton.Image style={{ width: size, height: size }} active={q.isLoading} />;
  return <Image src={q.data} width={size} height={size} style={{ objectFit: "cover", borderRadius: 4 }} />;
}
