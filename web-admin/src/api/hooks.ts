import { useQuery } from "@tanstack/react-query";
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
