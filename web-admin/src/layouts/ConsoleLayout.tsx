import { Suspense } from "react";
import { Link, Outlet, useLocation, useMatch, useNavigate } from "react-router-dom";
import { Avatar, Button, Dropdown, Layout, Menu, Select, Space, Spin, Typography } from "antd";
import {
  AppstoreOutlined, AuditOutlined, BarChartOutlined, ClusterOutlined, GlobalOutlined, MobileOutlined, RocketOutlined,
  SettingOutlined, ShopOutlined, ShoppingCartOutlined, TagsOutlined, TeamOutlined, UndoOutlined, UserOutlined,
} from "@ant-design/icons";
import { useTranslation } from "react-i18next";
import { useAuth } from "../auth";
import { useLang } from "../components/common";

const { Header, Sider, Content } = Layout;

export default function ConsoleLayout() {
  const { t } = useTranslation();
  const { me, signOut } = useAuth();
  const { lang, setLang } = useLang();
  const nav = useNavigate();
  const loc = useLocation();
  const inStore = useMatch("/stores/:store/*");
  const store = inStore?.params.store;
  const stores = me?.stores || [];
  const current = stores.find((s) => s.id === store);
  const section = inStore ? loc.pathname.split("/")[3] || "dashboard" : loc.pathname.split("/")[1] || "stores";

  const storeMenu = store
    ? [
        { key: "dashboard", icon: <BarChartOutlined />, label: t("nav.dashboard") },
        { key: "onboarding", icon: <RocketOutlined />, label: t("nav.onboarding") },
        { key: "products", icon: <AppstoreOutlined />, label: t("nav.products") },
        { key: "categories", icon: <TagsOutlined />, label: t("nav.categories") },
        { key: "orders", icon: <ShoppingCartOutlined />, label: t("nav.orders") },
        { key: "refunds", icon: <UndoOutlined />, label: t("nav.refunds") },
        { key: "members", icon: <UserOutlined />, label: t("nav.members") },
        { key: "team", icon: <TeamOutlined />, label: t("nav.team") },
        { key: "miniapp", icon: <MobileOutlined />, label: t("nav.miniapp") },
        { key: "settings", icon: <SettingOutlined />, label: t("nav.settings") },
      ]
    : [
        { key: "stores", icon: <ShopOutlined />, label: t("nav.stores") },
        { key: "agencies", icon: <ClusterOutlined />, label: t("nav.agencies") },
        ...(me?.account?.is_operator ? [{ key: "platform", icon: <AuditOutlined />, label: t("nav.platform") }] : []),
      ];

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Sider width={208} theme="light" breakpoint="lg" collapsedWidth={56} style={{ borderRight: "1px solid #f0f0f0" }}>
        <Link to="/" style={{ display: "block", padding: "16px 20px", fontWeight: 700, fontSize: 18, color: "#1677ff" }}>
          Shoplet
        </Link>
        <Menu
          mode="inline"
          selectedKeys={[section]}
          items={storeMenu}
          onClick={(e) => nav(store ? `/stores/${store}/${e.key}` : `/${e.key}`)}
          style={{ borderInlineEnd: 0 }}
        />
      </Sider>
      <Layout>
        <Header style={{ background: "#fff", padding: "0 20px", display: "flex", alignItems: "center", justifyContent: "space-between", borderBottom: "1px solid #f0f0f0" }}>
          <Space>
            <Select
              data-testid="store-switcher"
              style={{ minWidth: 240 }}
              placeholder={t("nav.switchStore")}
              value={store}
              onChange={(v) => nav(v === "__all" ? "/stores" : `/stores/${v}/${section && inStore ? section : "dashboard"}`)}
              options={[
                ...stores.map((s) => ({
                  value: s.id!,
                  label: s.agency_name ? `${s.name} · ${s.agency_name}` : s.name,
                })),
                { value: "__all", label: t("nav.allStores") },
              ]}
            />
            {current && <Typography.Text type="secondary">{t("role." + current.role, { defaultValue: current.role })}</Typography.Text>}
          </Space>
          <Space>
            {me?.account?.is_operator && <Button type="link" onClick={() => nav("/platform")}>{t("nav.platform")}</Button>}
            <Button type="text" icon={<GlobalOutlined />} onClick={() => setLang(lang === "zh-CN" ? "en-US" : "zh-CN")} data-testid="lang">
              {lang === "zh-CN" ? "English" : "中文"}
            </Button>
            <Dropdown
              menu={{
                items: [
                  { key: "stores", label: t("nav.stores") },
                  { key: "agencies", label: t("nav.agencies") },
                  { type: "divider" },
                  { key: "logout", label: t("auth.signOut"), danger: true },
                ],
                onClick: async (e) => {
                  if (e.key === "logout") {
                    await signOut();
                    nav("/login");
                  } else nav("/" + e.key);
                },
              }}
            >
              <Space style={{ cursor: "pointer" }} data-testid="user-menu">
                <Avatar size="small" icon={<UserOutlined />} />
                <span>{me?.account?.email}</span>
              </Space>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: 20 }}>
          <Suspense fallback={<Spin style={{ display: "block", margin: 80 }} />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
