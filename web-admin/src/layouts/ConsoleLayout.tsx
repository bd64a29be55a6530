import { Suspense, useState } from "react";
import { Link, Outlet, useLocation, useMatch, useNavigate } from "react-router-dom";
import { Avatar, Button, Drawer, Dropdown, Grid, Layout, Menu, Select, Space, Spin, Typography } from "antd";
import {
  AppstoreOutlined, AuditOutlined, BarChartOutlined, ClusterOutlined, GlobalOutlined, MobileOutlined, RocketOutlined,
  MenuOutlined, SettingOutlined, ShopOutlined, ShoppingCartOutlined, TagsOutlined, TeamOutlined, UndoOutlined, UserOutlined,
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
  // A phone gets the menu in a drawer behind a button, and a header that fits 390 px.
  const screens = Grid.useBreakpoint();
  const phone = !screens.md;
  const [drawer, setDrawer] = useState(false);
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

  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[section]}
      items={storeMenu}
      onClick={(e) => { setDrawer(false); nav(store ? `/stores/${store}/${e.key}` : `/${e.key}`); }}
      style={{ borderInlineEnd: 0 }}
    />
  );
  const logo = (
    <Link to="/" style={{ display: "block", padding: "16px 20px", fontWeight: 700, fontSize: 18, color: "#0958d9" }}>
      Shoplet
    </Link>
  );
  return (
    <Layout style={{ minHeight: "100vh" }}>
      {!phone && (
        <Sider width={208} theme="light" breakpoint="lg" collapsedWidth={56} style={{ borderRight: "1px solid #f0f0f0" }}>
          {logo}
          <nav aria-label={t("nav.menu")}>{menu}</nav>
        </Sider>
      )}
      {phone && (
        <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" width={240} title={logo} styles={{ body: { padding: 0 }, header: { padding: 0 } }}>
          <nav aria-label={t("nav.menu")}>{menu}</nav>
        </Drawer>
      )}
      <Layout style={{ minWidth: 0 }}>
        <Header style={{ background: "#fff", padding: phone ? "0 8px" : "0 20px", display: "flex", alignItems: "center", justifyContent: "space-between", gap: 8, borderBottom: "1px solid #f0f0f0" }}>
          <Space style={{ minWidth: 0, flex: "1 1 auto" }}>
            {phone && <Button type="text" icon={<MenuOutlined />} onClick={() => setDrawer(true)} aria-label={t("nav.menu")} data-testid="menu-button" />}
            <Select
              data-testid="store-switcher"
              aria-label={t("nav.switchStore")}
              style={{ width: phone ? 160 : 240, maxWidth: "100%" }}
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
            {current && !phone && <Typography.Text type="secondary">{t("role." + current.role, { defaultValue: current.role })}</Typography.Text>}
          </Space>
          <Space size={phone ? 0 : 8}>
            {me?.account?.is_operator && !phone && <Button type="link" onClick={() => nav("/platform")}>{t("nav.platform")}</Button>}
            <Button type="text" icon={<GlobalOutlined />} onClick={() => setLang(lang === "zh-CN" ? "en-US" : "zh-CN")} data-testid="lang"
              aria-label={lang === "zh-CN" ? "English" : "中文"}>
              {phone ? null : lang === "zh-CN" ? "English" : "中文"}
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
              <Space style={{ cursor: "pointer" }} data-testid="user-menu" role="button" tabIndex={0} aria-label={me?.account?.email}>
                <Avatar size="small" icon={<UserOutlined />} />
                {!phone && <span>{me?.account?.email}</span>}
              </Space>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: phone ? 12 : 20, minWidth: 0 }}>
          <Suspense fallback={<Spin style={{ display: "block", margin: 80 }} />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
