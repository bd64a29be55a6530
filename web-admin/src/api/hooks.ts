import { useQueries, useQuery } from "@tanstack/react-query";
import { api, call } from "./client";

/** The store's profile, my role and its categories. */
export function useStoreInfo(store: string) {
  return useQuery({
    queryKey: ["store", store],
    enabled: !!store,
    queryFn: () => call(api.GET("/api/v1/stores/{store}", { params: { path: { store } } })),
  });
}

/** Business categories and the rules per entity type. */
export function useBusinessCategories() {
  return useQuery({
    queryKey: ["business-categories"],
    staleTime: Infinity,
    queryFn: () => call(api.GET("/api/v1/business-categories")),
  });
}

/** Seven-day figures of several stores, side by side (my stores, an agency's). A store whose orders the caller may not read answers nothing. */
export function useStoreKPIs(storeIDs: string[]) {
  return useQueries({
    queries: storeIDs.map((store) => ({
      queryKey: ["dashboard", store, 7],
      retry: false,
      queryFn: () => call(api.GET("/api/v1/stores/{store}/dashboard", { params: { path: { store }, query: { days: 7 } } })),
    })),
  });
}

/** Staff names by account id, to write "王店长 shipped it" instead of an id. A role that may not list staff gets none (the text says 店铺员工). */
export function useStaffNames(store: string): Record<string, string> {
  const q = useQuery({
    queryKey: ["staff", store],
    enabled: !!store,
    retry: false,
    staleTime: 60_000,
    queryFn: () => call(api.GET("/api/v1/stores/{store}/staff", { params: { path: { store } } })),
  });
  const out: Record<string, string> = {};
  for (const m of q.data?.items || []) if (m.account_id) out[m.account_id] = m.name || m.email || "";
  return out;
}
