import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, loadSession, onSession, saveSession, type Schemas } from "./api/client";

interface AuthState {
  signedIn: boolean;
  me?: Schemas["api.meOutput"];
  loading: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  setTokens: (access: string, refresh: string) => void;
}

const Ctx = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [signedIn, setSignedIn] = useState(!!loadSession());
  const qc = useQueryClient();
  useEffect(() => {
    const off = onSession((s) => setSignedIn(!!s));
    return () => {
      off();
    };
  }, []);
  const me = useQuery({
    queryKey: ["me"],
    enabled: signedIn,
    queryFn: () => call(api.GET("/api/v1/me")),
  });
  const value: AuthState = {
    signedIn,
    me: me.data,
    loading: signedIn && me.isLoading,
    setTokens: (access, refresh) => saveSession({ access, refresh }),
    signIn: async (email, password) => {
      const t = await call(api.POST("/api/v1/auth/login", { body: { email, password } }));
      saveSession({ access: t.access_token!, refresh: t.refresh_token! });
      await qc.invalidateQueries({ queryKey: ["me"] });
    },
    signOut: async () => {
      await api.POST("/api/v1/auth/logout").catch(() => undefined);
      saveSession(null);
      qc.clear();
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(Ctx);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}
