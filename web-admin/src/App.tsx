import { lazy, Suspense, useState } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { App as AntApp, ConfigProvider, Spin } from "antd";
// antd's ES module build of its locales: "antd/locale/zh_CN" is CommonJS
// (`module.exports = require(...)`), and in this "type": "module" package the
// bundler's Node-style interop hands its default import the whole exports
// object ({ default, __esModule }), so ConfigProvider got no locale and every
// antd text (empty tables, date pickers, OK/Cancel) fell back to English.
import zhCN from "antd/es/locale/zh_CN";
import enUS from "antd/es/locale/en_US";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import i18n, { LANG_KEY, initialLang, type Lang } from "./i18n";
import { AuthProvider, useAuth } from "./auth";
import { LangContext } from "./components/common";
import { SignIn, SignUp, ResetRequest, ResetConfirm } from "./pages/Auth";

// Every screen but sign-in is its own chunk, and so is the console's frame: the
// first screen loads only what it shows.
const ConsoleLayout = lazy(() => import("./layouts/ConsoleLayout"));
const Home = lazy(() => import("./pages/Home"));
const Stores = lazy(() => import("./pages/Stores"));
const Onboarding = lazy(() => import("./pages/Onboarding"));
const Dashboard = lazy(() => import("./pages/Dashboard"));
const Products = lazy(() => import("./pages/Products"));
const ProductEditor = lazy(() => import("./pages/ProductEditor"));
const Categories = lazy(() => import("./pages/Categories"));
const Orders = lazy(() => import("./pages/Orders"));
const OrderDetail = lazy(() => import("./pages/OrderDetail"));
const Refunds = lazy(() => import("./pages/Refunds"));
const Members = lazy(() => import("./pages/Members"));
const Team = lazy(() => import("./pages/Team"));
const MiniProgram = lazy(() => import("./pages/MiniProgram"));
const Settings = lazy(() => import("./pages/Settings"));
const Agency = lazy(() => import("./pages/Agency"));
const Platform = lazy(() => import("./pages/Platform"));
const PlatformTenant = lazy(() => import("./pages/PlatformTenant"));
const AcceptInvitation = lazy(() => import("./pages/AcceptInvitation"));
const NotFound = lazy(() => import("./pages/NotFound"));

function Guard({ children }: { children: JSX.Element }) {
  const { signedIn } = useAuth();
  if (!signedIn) return <Navigate to={"/login?next=" + encodeURIComponent(location.pathname + location.search)} replace />;
  return children;
}

export default function App() {
  const [lang, setLangState] = useState<Lang>(initialLang());
  const setLang = (l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    void i18n.changeLanguage(l);
    dayjs.locale(l === "zh-CN" ? "zh-cn" : "en");
    document.documentElement.lang = l;
    setLangState(l);
  };
  dayjs.locale(lang === "zh-CN" ? "zh-cn" : "en");
  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <ConfigProvider locale={lang === "zh-CN" ? zhCN : enUS} theme={{ token: { colorPrimary: "#0958d9", borderRadius: 6, colorTextDescription: "rgba(0, 0, 0, 0.6)", colorLink: "#0958d9", colorLinkHover: "#003eb3" } }} componentSize="middle">
        <AntApp>
          <AuthProvider>
            <Suspense fallback={<Spin style={{ display: "block", margin: 80 }} />}>
              <Routes>
                <Route path="/login" element={<SignIn />} />
                <Route path="/signup" element={<SignUp />} />
                <Route path="/reset" element={<ResetRequest />} />
                <Route path="/reset/confirm" element={<ResetConfirm />} />
                <Route path="/invitations/accept" element={<Guard><AcceptInvitation /></Guard>} />
                <Route element={<Guard><ConsoleLayout /></Guard>}>
                  <Route index element={<Home />} />
                  <Route path="stores" element={<Stores />} />
                  <Route path="onboarding" element={<Onboarding />} />
                  <Route path="stores/:store/onboarding" element={<Onboarding />} />
                  <Route path="stores/:store" element={<Navigate to="dashboard" replace />} />
                  <Route path="stores/:store/dashboard" element={<Dashboard />} />
                  <Route path="stores/:store/products" element={<Products />} />
                  <Route path="stores/:store/products/new" element={<ProductEditor />} />
                  <Route path="stores/:store/products/:product" element={<ProductEditor />} />
                  <Route path="stores/:store/categories" element={<Categories />} />
                  <Route path="stores/:store/orders" element={<Orders />} />
                  <Route path="stores/:store/orders/:order" element={<OrderDetail />} />
                  <Route path="stores/:store/refunds" element={<Refunds />} />
                  <Route path="stores/:store/members" element={<Members />} />
                  <Route path="stores/:store/team" element={<Team />} />
                  <Route path="stores/:store/miniapp" element={<MiniProgram />} />
                  <Route path="stores/:store/settings" element={<Settings />} />
                  <Route path="agencies" element={<Agency />} />
                  <Route path="agencies/:agency" element={<Agency />} />
                  <Route path="platform" element={<Platform />} />
                  <Route path="platform/tenants/:tenant" element={<PlatformTenant />} />
                  <Route path="*" element={<NotFound />} />
                </Route>
              </Routes>
            </Suspense>
          </AuthProvider>
        </AntApp>
      </ConfigProvider>
    </LangContext.Provider>
  );
}
