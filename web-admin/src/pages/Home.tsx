import { Navigate } from "react-router-dom";
import { Spin } from "antd";
import { useAuth } from "../auth";

/** Home sends people where their work is: operators to the platform, brands to their store, newcomers to onboarding. */
export default function Home() {
  const { me, loading } = useAuth();
  if (loading || !me) return <Spin style={{ display: "block", margin: 80 }} />;
  if (me.account?.is_operator) return <Navigate to="/platform" replace />;
  const stores = me.stores || [];
  if (stores.length === 0) return <Navigate to="/onboarding" replace />;
  if (stores.length === 1) return <Navigate to={`/stores/${stores[0].id}/dashboard`} replace />;
  return <Navigate to="/stores" replace />;
}
