import { QueryError } from "../components/common";
import { ApiError } from "../api/client";

export default function NotFound() {
  return <QueryError error={new ApiError(404, undefined)} />;
}
