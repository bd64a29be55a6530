// End-to-end: a real `shoplet serve` on embedded defaults (SQLite, in-process
// Redis) with the fake WeChat, driven in Debian's chromium by playwright-core.
// The journeys run in order on one server: a brand onboards, an operator
// approves its documents, it adds products, an agency gets and loses access,
// and an order placed through the shop API is shipped and refunded.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, "artifacts");
mkdirSync(artifacts, { recursive: true });
const bin = process.env.SHOPLET_BIN || join(here, "../../bin/shoplet");
const metrics = {};

let server, base, fake, browser, dataDir;
const brand = { email: `brand${Date.now()}@e2e.example`, password: "a-long-password-1" };
const operator = { email: "ops@e2e.example", password: "operator-password-1" };
const agent = { email: `agent${Date.now()}@e2e.example`, password: "a-long-password-2" };
let storeId = "";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ": " + last.message : ""}`);
}

async function json(method, url, body, token) {
  const res = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: "Bearer " + token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return data;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "shoplet-e2e-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, SHOPLET_DATA_DIR: dataDir, SHOPLET_ADDR: `127.0.0.1:${port}`, SHOPLET_WECHAT_FAKE: "true",
    SHOPLET_DATABASE_URL: "", SHOPLET_REDIS_URL: "", SHOPLET_LOG_LEVEL: "warn" };
  execFileSync(bin, ["admin", "create", "--email", operator.email, "--password", operator.password], { env, stdio: "pipe" });
  server = spawn(bin, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  server.stdout.on("data", (d) => (out += d));
  server.stderr.on("data", (d) => (out += d));
  fake = await waitFor(() => out.match(/Fake WeChat and WeChat Pay at (http:\/\/[0-9.:]+)/)?.[1], "the server to start");
  await waitFor(async () => (await fetch(base + "/readyz")).ok, "readyz");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  writeFileSync(join(artifacts, "metrics.json"), JSON.stringify(metrics, null, 2));
  console.log("metrics", JSON.stringify(metrics));
  await browser?.close();
  server?.kill("SIGTERM");
});

async function newPage(viewport = { width: 1440, height: 900 }) {
  const ctx = await browser.newContext({ locale: "zh-CN", viewport });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000); // generous: CI machines are small and busy
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, name + ".png"), fullPage: true });
}

async function signIn(page, who) {
  await page.goto(base + "/login");
  await page.getByLabel("邮箱").fill(who.email);
  await page.getByLabel("密码").fill(who.password);
  await page.getByRole("button", { name: "登 录" }).or(page.getByRole("button", { name: "登录" })).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

test("first screen JavaScript stays within budget", async () => {
  const page = await newPage();
  const js = [];
  page.on("response", async (r) => {
    if (r.url().endsWith(".js")) js.push(r.url());
  });
  await page.goto(base + "/login", { waitUntil: "networkidle", timeout: 60000 });
  await page.getByLabel("邮箱").waitFor();
  // gzip size of what the first screen loaded (the server sends these gzipped).
  const dist = join(here, "../public/app");
  let gz = 0;
  for (const u of js) gz += gzipSync(readFileSync(join(dist, new URL(u).pathname)), { level: 9 }).length;
  metrics.first_screen_js_files = js.length;
  metrics.first_screen_js_gzip_kb = Math.round(gz / 1024);
  await shot(page, "01-sign-in");
  assert.ok(gz <= 300 * 1024, `first screen loads ${Math.round(gz / 1024)} KB of gzipped JavaScript (budget 300 KB)`);
  await page.context().close();
});

test("a new brand signs up and completes onboarding", async (t) => {
  const page = await newPage();
  t.after(async () => {
    // On failure, what the page showed helps more than a timeout.
    if (!page.isClosed()) await shot(page, "FAILED-onboarding").catch(() => {});
  });
  await page.goto(base + "/signup");
  await page.getByLabel("姓名").fill("Brand Owner");
  await page.getByLabel("邮箱").fill(brand.email);
  await page.getByLabel("密码").fill(brand.password);
  await page.getByRole("button", { name: "创建账号" }).click();
  await page.waitForURL(/\/onboarding$/);
  // Entity and categories: the rules show as the brand picks.
  await page.getByLabel("店铺名称").fill("E2E 麻本生活");
  await page.getByLabel("店铺地址").fill("e2e-linen");
  await page.getByTestId("cat-apparel").click();
  await page.getByTestId("cat-food").click();
  await page.getByText("以下类目需上传资质").waitFor();
  await shot(page, "02-onboarding-new-store");
  await page.getByTestId("create-store").click();
  await page.waitForURL(/\/stores\/[0-9a-f-]+\/onboarding$/);
  storeId = page.url().match(/stores\/([0-9a-f-]+)\//)[1];
  // Resumes at categories: food waits for documents. Upload them.
  await page.getByText("主体与类目").first().waitFor();
  const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
  for (const doc of ["trademark_certificate", "authorisation_letter", "commitment_letter", "food_business_licence"]) {
    const btn = page.getByTestId(`upload-food-${doc}`);
    if ((await btn.count()) === 0) continue;
    const chooser = page.waitForEvent("filechooser");
    await btn.click();
    await (await chooser).setFiles({ name: doc + ".pdf", mimeType: "application/pdf", buffer: pdf });
    await btn.waitFor({ state: "detached" });
  }
  await shot(page, "03-onboarding-documents");
  await page.getByTestId("next").click();
  // Mini-program: authorise through the platform (the fake WeChat page confirms and returns).
  await page.getByTestId("authorize").click();
  await page.waitForURL(/\/settings\?authorized=1/);
  await page.getByTestId("mp-appid").waitFor();
  // Back to the wizard: it resumes at WeChat Pay.
  await page.goto(`${base}/stores/${storeId}/onboarding`);
  await page.getByLabel("商户号 mchid").waitFor();
  const m = await json("POST", fake + "/fake/merchant");
  await page.getByLabel("商户号 mchid").fill(m.mch_id);
  await page.getByLabel("证书序列号").fill(m.cert_serial);
  await page.getByLabel("APIv3 密钥").fill(m.api_v3_key);
  await page.getByLabel("商户私钥（apiclient_key.pem）").fill(m.private_key);
  await page.getByLabel("微信支付公钥 ID").fill(m.platform_public_key_id);
  await page.getByLabel("微信支付公钥", { exact: true }).fill(m.platform_public_key);
  await page.getByRole("button", { name: "保 存" }).click();
  await page.getByText("已保存").waitFor();
  await page.getByTestId("next").click();
  // Template and theme: live preview, then a build with progress.
  await page.getByTestId("phone-preview").waitFor();
  await page.getByTestId("build").click();
  await page.locator("[data-testid=build-progress] .ant-progress-text").filter({ hasText: "100%" }).waitFor({ timeout: 30000 });
  await page.getByRole("cell", { name: "main" }).first().waitFor();
  await shot(page, "04-onboarding-build");
  await page.getByTestId("next").click();
  // Publish through the platform: steps run as jobs; the fake's reviewers pass it.
  await page.getByTestId("template-select").click();
  await page.locator(".ant-select-item-option").first().click();
  await page.getByTestId("publish").click();
  await page.locator("[data-testid^=publish-] .ant-tag").filter({ hasText: "已上线" }).waitFor({ timeout: 40000 });
  await page.reload();
  await page.locator("[data-testid=onboarding-progress]").getByText("83%").or(page.locator("[data-testid=onboarding-progress]").getByText("100%")).waitFor();
  await shot(page, "05-onboarding-published");
  await page.context().close();
});

test("a platform operator approves the documents", async () => {
  const page = await newPage();
  await signIn(page, operator);
  await page.waitForURL(/\/platform$/);
  await page.getByTestId("review-link").first().click();
  await page.getByTestId("approve-food").click();
  await page.getByText("已通过").first().waitFor();
  await shot(page, "06-operator-review");
  await page.context().close();
  const page2 = await newPage();
  await signIn(page2, brand);
  await page2.goto(`${base}/stores/${storeId}/onboarding`);
  await page2.locator("[data-testid=onboarding-progress]").getByText("100%").waitFor();
  await page2.context().close();
});

test("the brand adds a product with SKUs and an image", async (t) => {
  const page = await newPage();
  t.after(async () => {
    if (!page.isClosed()) await shot(page, "FAILED-products").catch(() => {});
  });
  await signIn(page, brand);
  await page.waitForURL(/dashboard/);
  await page.goto(`${base}/stores/${storeId}/products/new`);
  await page.getByLabel("商品名称").fill("亚麻衬衫");
  await page.getByLabel("经营类目").click();
  await page.locator(".ant-select-item-option").filter({ hasText: "服" }).first().click();
  await page.getByTestId("add-spec").click();
  await page.getByTestId("spec-name-0").fill("颜色");
  const values = page.getByTestId("spec-values-0").locator("input");
  await values.fill("红");
  await values.press("Enter");
  await values.fill("蓝");
  await values.press("Enter");
  await page.getByTestId("sku-price-1").waitFor();
  for (const i of [0, 1]) {
    await page.getByTestId(`sku-price-${i}`).fill(i ? "139" : "129.5");
    await page.getByTestId(`sku-stock-${i}`).fill("20");
  }
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
  const chooser = page.waitForEvent("filechooser");
  await page.getByTestId("upload-image").click();
  await (await chooser).setFiles({ name: "shirt.png", mimeType: "image/png", buffer: png });
  await page.locator("img[src*='/images/']").first().waitFor();
  // The rich description: a bold line the mini-program shows with <rich-text>.
  await page.getByTestId("rich-editor").click();
  await page.getByRole("button", { name: "bold" }).click();
  await page.keyboard.type("透气亚麻面料");
  await shot(page, "07-product-editor");
  await page.getByTestId("save-product").click();
  await page.waitForURL(/products\/[0-9a-f-]{36}$/);
  await page.reload();
  await page.getByTestId("rich-editor").locator("b, strong").filter({ hasText: "透气亚麻面料" }).waitFor();
  await page.goto(`${base}/stores/${storeId}/products`);
  const row = page.getByRole("row").filter({ hasText: "亚麻衬衫" });
  await row.getByText("¥129.50–139.00").waitFor();
  await row.getByRole("switch").click();
  await row.getByText("已上架").waitFor();
  await shot(page, "08-products");
  // CSV import runs as a job; the result names each bad row.
  await page.getByRole("button", { name: "导入 CSV" }).click();
  const csv = "product_ref,title,subtitle,business_category,spec,price,market_price,stock,barcode\n" +
    "cap,棒球帽,,apparel,颜色=黑,59,,10,\n" + "mug,马克杯,,apparel,,abc,,3,\n";
  const chooser2 = page.waitForEvent("filechooser");
  await page.getByText("点击或拖入 CSV 文件").click();
  await (await chooser2).setFiles({ name: "catalog.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByTestId("import-result").getByText("共 2 行：创建 1 个商品，1 行需要修改（见下表）").waitFor();
  await page.getByRole("cell", { name: "price" }).waitFor();
  await shot(page, "08b-import");
  await page.getByRole("button", { name: "关 闭" }).or(page.getByRole("button", { name: "关闭" })).click();
  await page.getByRole("cell", { name: "棒球帽" }).first().waitFor();
  // A top-level category (no parent chosen), then one under it.
  await page.goto(`${base}/stores/${storeId}/categories`);
  await page.getByTestId("category-name").fill("上衣");
  await page.getByTestId("category-form").getByRole("button").click();
  await page.locator(".ant-tree").getByText("上衣").waitFor();
  // The server's "taken" answer shows next to the field, in Chinese.
  await page.getByTestId("category-name").fill("上衣");
  await page.getByTestId("category-form").getByRole("button").click();
  await page.getByTestId("category-form").getByText("已被使用").waitFor();
  await shot(page, "08c-categories");
  await page.context().close();
});

test("an agency is granted access, sees the store, and loses it on revoke", async () => {
  const ap = await newPage();
  await ap.goto(base + "/signup");
  await ap.getByLabel("邮箱").fill(agent.email);
  await ap.getByLabel("密码").fill(agent.password);
  await ap.getByRole("button", { name: "创建账号" }).click();
  await ap.waitForURL(/onboarding/);
  await ap.goto(base + "/agencies");
  await ap.getByPlaceholder("服务商名称").fill("E2E 服务商");
  await ap.getByRole("button", { name: "创建服务商" }).click();
  await ap.waitForURL(/\/agencies\/[0-9a-f-]{36}$/);
  const agencyId = ap.url().split("/").pop();

  const bp = await newPage();
  await signIn(bp, brand);
  await bp.waitForURL(/dashboard/);
  await bp.goto(`${base}/stores/${storeId}/team`);
  await bp.getByRole("tab", { name: "服务商" }).click();
  // Granted by the agency person's sign-in email, told apart by it in the list.
  await bp.getByTestId("agency-id").fill(agent.email);
  await bp.getByTestId("grant").click();
  await bp.getByRole("cell", { name: "E2E 服务商" }).first().waitFor();
  await bp.getByTestId("agency-contact-" + agencyId).getByText(agent.email, { exact: false }).waitFor();
  await shot(bp, "09-team-agency-granted");

  await ap.reload();
  await ap.getByTestId("agency-stores").getByText("E2E 麻本生活").waitFor();
  await shot(ap, "10-agency-workspace");
  await ap.goto(`${base}/stores/${storeId}/products`);
  await ap.getByRole("link", { name: "亚麻衬衫" }).waitFor();

  await bp.getByTestId("revoke-E2E 服务商").click();
  await bp.getByRole("button", { name: "确 定" }).or(bp.getByRole("button", { name: "OK" })).click();
  await bp.getByText("没有服务商有权限").waitFor();

  await ap.reload();
  await ap.getByText("未找到").waitFor(); // another's store looks exactly like a missing one
  await shot(ap, "11-agency-revoked");
  await ap.goto(base + "/agencies/" + agencyId);
  await ap.getByText("还没有店铺授权给该服务商").waitFor();
  await ap.context().close();
  await bp.context().close();
});

test("an order placed through the shop API is shipped and refunded from the console", async () => {
  const shop = `${base}/api/shop/v1/stores/${storeId}`;
  const { code } = await json("GET", fake + "/fake/login-code?name=e2e-buyer");
  const login = await json("POST", shop + "/login", { code, scene: "1047" });
  const tok = login.token;
  const products = await json("GET", shop + "/products", undefined, tok);
  const product = await json("GET", shop + "/products/" + products.items[0].id, undefined, tok);
  const addr = await json("POST", shop + "/addresses", { name: "王小明", phone: "13800138000", province: "上海市", city: "上海市", detail: "南京西路 1 号" }, tok);
  const out = await json("POST", shop + "/checkout", { items: [{ sku_id: product.skus[0].id, quantity: 1 }], address_id: addr.id, idempotency_key: "e2e-1", scene: "1047" }, tok);
  const prepay = out.payment.package.split("=")[1];
  await json("POST", fake + "/fake/pay/succeed", { prepay_id: prepay });
  await waitFor(async () => (await json("GET", shop + "/orders/" + out.order.id, undefined, tok)).status === "paid", "the order to be paid");

  const page = await newPage();
  await signIn(page, brand);
  await page.waitForURL(/dashboard/);
  // The dashboard, timed from navigation to its figures on screen.
  const t0 = Date.now();
  await page.goto(`${base}/stores/${storeId}/dashboard`);
  await page.getByTestId("kpi-gmv").getByText("129.50").waitFor();
  metrics.dashboard_interactive_ms = Date.now() - t0;
  await page.getByTestId("cmp-gmv").getByText("较前 7 天", { exact: false }).waitFor();
  await shot(page, "12-dashboard");
  await page.goto(`${base}/stores/${storeId}/orders`);
  await page.getByTestId("order-" + out.order.order_no).click();
  await page.getByTestId("ship").click();
  await page.getByTestId("tracking-no").fill("SF1000000001");
  await page.locator("#confirm-ship").click();
  await page.locator(".ant-tag").filter({ hasText: "已发货" }).first().waitFor();
  await shot(page, "13-order-shipped");

  await json("POST", shop + "/orders/" + out.order.id + "/refunds", { reason: "尺码不合适" }, tok);
  // Found by the buyer's phone digits, flagged refund-pending; its packing list is printable.
  await page.goto(`${base}/stores/${storeId}/orders`);
  await page.getByTestId("order-search").fill("8000");
  await page.getByTestId("order-search").press("Enter");
  await page.getByTestId("refund-pending").first().waitFor();
  await page.getByRole("checkbox", { name: "选择订单 " + out.order.order_no }).check();
  await page.getByTestId("print-packing").click();
  await page.getByTestId("packing-list").getByText(out.order.order_no).waitFor();
  await page.getByTestId("packing-list").getByText("南京西路 1 号", { exact: false }).waitFor();
  await shot(page, "13b-packing-list");
  await page.keyboard.press("Escape");
  await page.goto(`${base}/stores/${storeId}/refunds`);
  await page.getByTestId("refund-order").filter({ hasText: out.order.order_no }).waitFor();
  await page.getByTestId("approve-refund").click();
  await page.getByTestId("refund-restate").getByText("¥129.50", { exact: false }).waitFor();
  await shot(page, "13c-refund-approve");
  await page.locator("#confirm-refund").click();
  await page.getByText("已同意退款 ¥129.50", { exact: false }).waitFor();
  await page.goto(`${base}/stores/${storeId}/orders/${out.order.id}`);
  await page.locator(".ant-tag").filter({ hasText: "成功" }).first().waitFor({ timeout: 20000 });
  await shot(page, "14-order-refunded");
  const final = await json("GET", shop + "/orders/" + out.order.id, undefined, tok);
  assert.equal(final.refunded_total, 12950);
  await page.context().close();
});

test("the console speaks English too", async () => {
  const page = await newPage();
  await signIn(page, brand);
  await page.waitForURL(/dashboard/);
  await page.getByTestId("lang").click();
  await page.getByText("Paid orders").first().waitFor();
  await shot(page, "15-english");
  await page.context().close();
});

// The main screens of a store, in the order an operator meets them.
const mainScreens = (id) => [
  ["dashboard", `/stores/${id}/dashboard`], ["products", `/stores/${id}/products`], ["product-new", `/stores/${id}/products/new`],
  ["categories", `/stores/${id}/categories`], ["orders", `/stores/${id}/orders`], ["refunds", `/stores/${id}/refunds`],
  ["members", `/stores/${id}/members`], ["team", `/stores/${id}/team`], ["miniapp", `/stores/${id}/miniapp`],
  ["settings", `/stores/${id}/settings`], ["stores", `/stores`],
];

// Latin words a zh-CN screen may show: brand data of this suite, product and
// protocol names, and the language switch. Anything else is untranslated UI.
const allowedLatin = new Set(["shoplet", "english", "e2e", "sku", "csv", "appid", "appsecret", "apiv3", "id", "mchid", "pem", "apiclient",
  "key", "ems", "pdf", "json", "brand", "owner", "wechat", "pay", "url", "utf", "js", "main", "png", "jpg", "zip", "qr", "tabbar", "sf",
  "yto", "zto", "sto", "jd", "api", "of", "https", "http", "www", "example", "com", "kb", "mb",
  // the mini-program's subpackage names in the build table
  "goods", "order", "user", "cart", "pages", "packages"]);

async function settle(page) {
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.locator(".ant-skeleton, .ant-spin-spinning").first().waitFor({ state: "detached", timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(150);
}

async function englishWords(page) {
  return page.evaluate((allowed) => {
    const words = new Set();
    // Visible text, without e-mail addresses, ids, numbers with letters (order and tracking numbers), file names.
    const text = document.body.innerText
      .replace(/[\w.+-]+@[\w.-]+/g, " ")
      .replace(/\b[\w-]*\d[\w-]*\b/g, " ")
      .replace(/\b[\w-]+\.(csv|png|pdf|jpg|zip)\b/gi, " ")
      .replace(/#?\b[0-9A-Fa-f]{6}\b/g, " "); // colours
    for (const w of text.match(/[A-Za-z][A-Za-z']+/g) || []) if (!allowed.includes(w.toLowerCase())) words.add(w);
    return [...words];
  }, [...allowedLatin]);
}

async function criticalA11y(page) {
  await page.addScriptTag({ path: axePath });
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(" ") }));
  });
  return res;
}

test("every main screen: Chinese only, fits a phone, no critical accessibility violation", async () => {
  const desk = await newPage();
  await signIn(desk, brand);
  await desk.waitForURL(/dashboard/);
  const phone = await newPage({ width: 390, height: 844 });
  await signIn(phone, brand);
  await phone.waitForURL(/dashboard/);
  const english = {}, overflow = {}, a11y = {};
  let seriousCount = 0;
  for (const [name, path] of mainScreens(storeId)) {
    await desk.goto(base + path);
    await settle(desk);
    const words = await englishWords(desk);
    if (words.length) english[name] = words;
    const v = await criticalA11y(desk);
    const serious = v.filter((x) => x.impact === "serious");
    seriousCount += serious.length;
    if (serious.length) (metrics.a11y_serious_by_screen ||= {})[name] = serious.map((x) => `${x.id} ×${x.nodes} (${x.target})`);
    const crit = v.filter((x) => x.impact === "critical");
    if (crit.length) a11y[name] = crit;
    await shot(desk, `20-zh-desktop-${name}`);

    await phone.goto(base + path);
    await settle(phone);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) overflow[name] = width;
    await shot(phone, `21-zh-phone-${name}`);
  }
  // The phone's menu opens from the header button.
  await phone.goto(`${base}/stores/${storeId}/dashboard`);
  await phone.getByTestId("menu-button").click();
  await phone.getByRole("navigation").getByText("订单").waitFor();
  await shot(phone, "21-zh-phone-menu");
  metrics.a11y_serious_violations = seriousCount;
  // All three at once: one run tells every problem.
  assert.deepEqual({ english, overflow, a11y }, { english: {}, overflow: {}, a11y: {} },
    "English UI words on zh-CN screens, screens wider than a 390 px phone, critical accessibility violations");

  // The same screens in English, on both sizes, for the record.
  for (const p of [desk, phone]) {
    await p.evaluate(() => localStorage.setItem("shoplet.lang", "en-US"));
    for (const [name, path] of mainScreens(storeId)) {
      await p.goto(base + path);
      await settle(p);
      await shot(p, `22-en-${p === desk ? "desktop" : "phone"}-${name}`);
    }
  }
  await desk.context().close();
  await phone.context().close();
});

test("the product list loads its thumbnails without an API call per image", async () => {
  const page = await newPage();
  await signIn(page, brand);
  await page.waitForURL(/dashboard/);
  const calls = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/v1/")) calls.push(u.pathname);
  });
  await page.goto(`${base}/stores/${storeId}/products`);
  await page.getByRole("row").filter({ hasText: "亚麻衬衫" }).locator("img").first().waitFor();
  await settle(page);
  const onList = calls.filter((p) => !p.endsWith("/me") && !p.endsWith(`/stores/${storeId}`));
  metrics.product_list_api_requests = onList.length;
  metrics.product_list_api_paths = onList;
  assert.ok(!onList.some((p) => p.includes("/files/")), "thumbnails fetched through the API: " + onList.join(", "));
  assert.ok(onList.length <= 3, `the product list made ${onList.length} API requests: ${onList.join(", ")}`);
  await page.context().close();
});
