package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/billing"
)

// billingRoutes: the operator's plans, a store's plan and payments, and the
// platform merchant account's payment notifications.
func (s *Server) billingRoutes() []Route {
	const v1 = "/api/v1"
	st := v1 + "/stores/:store"
	pf := v1 + "/platform"
	return []Route{
		{Method: "GET", Path: st + "/billing", Tag: "billing", Auth: Store, Obj: access.ObjBilling, Act: access.Read,
			Summary: "The store's plan, status, days left and usage against each limit", Out: billing.Overview{}, Handler: s.billingOverview},
		{Method: "GET", Path: st + "/billing/plans", Tag: "billing", Auth: Store, Obj: access.ObjBilling, Act: access.Read,
			Summary: "Plans on sale", Out: Page[billing.Plan]{}, Handler: s.billingPlans},
		{Method: "GET", Path: st + "/billing/payments", Tag: "billing", Auth: Store, Obj: access.ObjBilling, Act: access.Read,
			Summary: "The store's plan payments, newest first", Out: Page[billing.Payment]{}, Handler: s.billingPayments},
		{Method: "POST", Path: st + "/billing/payments", Tag: "billing", Auth: Store, Obj: access.ObjBilling, Act: access.Write,
			Summary: "Pay for a plan: a WeChat Pay Native QR code (code_url), or a bank transfer the operator confirms",
			In:      billing.PayInput{}, Out: billing.Payment{}, Status: 201, Errors: []int{409}, Handler: s.createBillingPayment},

		{Method: "GET", Path: pf + "/plans", Tag: "platform", Auth: Operator, Summary: "All plans, retired ones too",
			Out: Page[billing.Plan]{}, Handler: s.platformPlans},
		{Method: "POST", Path: pf + "/plans", Tag: "platform", Auth: Operator, Summary: "Create a plan",
			In: billing.PlanInput{}, Out: billing.Plan{}, Status: 201, Handler: s.createPlan},
		{Method: "PUT", Path: pf + "/plans/:plan", Tag: "platform", Auth: Operator, Summary: "Replace a plan's terms, retire it or make it the trial plan",
			In: billing.PlanInput{}, Out: billing.Plan{}, Handler: s.updatePlan},
		{Method: "GET", Path: pf + "/billing/dashboard", Tag: "platform", Auth: Operator,
			Summary: "Stores by plan and status, revenue by month, trials converted, renewals due in 30 days", Out: billing.Dashboard{}, Handler: s.billingDashboard},
		{Method: "GET", Path: pf + "/billing/payments", Tag: "platform", Auth: Operator, Summary: "Every store's plan payments, newest first",
			Query: paymentQuery, Out: Page[billing.StorePayment]{}, Handler: s.allBillingPayments},
		{Method: "GET", Path: pf + "/billing/payments/export", Tag: "platform", Auth: Operator, Summary: "Every store's plan payments as CSV",
			Query: paymentQuery, Produces: "text/csv", Handler: s.exportBillingPayments},
		{Method: "GET", Path: pf + "/tenants/:tenant/billing", Tag: "platform", Auth: Operator, Summary: "A store's plan, status and usage",
			Out: billing.Overview{}, Handler: s.platformBilling},
		{Method: "GET", Path: pf + "/tenants/:tenant/billing/payments", Tag: "platform", Auth: Operator, Summary: "A store's plan payments",
			Out: Page[billing.Payment]{}, Handler: s.platformBillingPayments},
		{Method: "POST", Path: pf + "/tenants/:tenant/billing/payments/:payment/paid", Tag: "platform", Auth: Operator,
			Summary: "Confirm a bank transfer arrived: the store's period is extended and a closed store reopens",
			Out:     billing.Payment{}, Errors: []int{409}, Handler: s.markPaymentPaid},

		{Method: "POST", Path: "/api/pay/v1/billing/:store/notify", Tag: "payments", Auth: PayNotify,
			Summary: "WeChat Pay notifications for plan payments to the platform's merchant account", Consumes: "application/json", Handler: s.billingNotify},
	}
}

var paymentQuery = []QueryParam{{"status", "string", "pending or paid"}}

func (s *Server) billingDashboard(c *gin.Context) {
	out, err := s.Billing.Dashboard(operatorCtx(c), time.Now())
	s.reply(c, http.StatusOK, out, err)
}

func paymentStatus(c *gin.Context) (string, error) {
	st := c.Query("status")
	if st != "" && st != billing.Pending && st != billing.Paid {
		return "", errs.Field("status", "invalid_choice", "must be pending or paid")
	}
	return st, nil
}

func (s *Server) allBillingPayments(c *gin.Context) {
	st, err := paymentStatus(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Billing.AllPayments(operatorCtx(c), st)
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) exportBillingPayments(c *gin.Context) {
	st, err := paymentStatus(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Billing.AllPayments(operatorCtx(c), st)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\xEF\xBB\xBF") // BOM: Excel opens UTF-8 Chinese text correctly
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"store_id", "store_name", "payment_id", "plan_id", "period", "amount_yuan", "method", "status", "out_trade_no",
		"transaction_id", "invoice_title", "invoice_tax_id", "created_at", "paid_at"})
	for _, p := range out {
		paid := ""
		if p.PaidAt != nil {
			paid = p.PaidAt.UTC().Format(time.RFC3339)
		}
		_ = w.Write([]string{p.StoreID, csvText(p.StoreName), p.ID, p.PlanID, p.Period, fmt.Sprintf("%d.%02d", p.Amount/100, p.Amount%100), p.Method,
			p.Status, p.OutTradeNo, p.TransactionID, csvText(p.InvoiceTitle), p.InvoiceTaxID, p.CreatedAt.UTC().Format(time.RFC3339), paid})
	}
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="plan-payments.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvText keeps text a brand typed from being read as a formula by a
// spreadsheet (CSV injection).
func csvText(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// requireModule refuses a store route the store's plan does not include.
func (s *Server) requireModule(module string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.Billing.RequireModule(ctx(c), module); err != nil {
			s.fail(c, err)
			return
		}
		c.Next()
	}
}

func (s *Server) billingOverview(c *gin.Context) {
	out, err := s.Billing.Overview(ctx(c))
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) billingPlans(c *gin.Context) {
	plans, err := s.Billing.Plans(ctx(c), false)
	s.reply(c, http.StatusOK, page(plans, ""), err)
}

func (s *Server) billingPayments(c *gin.Context) {
	out, err := s.Billing.Payments(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) createBillingPayment(c *gin.Context) {
	var in billing.PayInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Billing.CreatePayment(ctx(c), in)
	s.reply(c, http.StatusCreated, p, err)
}

func (s *Server) platformPlans(c *gin.Context) {
	plans, err := s.Billing.Plans(ctx(c), true)
	s.reply(c, http.StatusOK, page(plans, ""), err)
}

func (s *Server) createPlan(c *gin.Context) {
	var in billing.PlanInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Billing.CreatePlan(operatorCtx(c), in)
	s.reply(c, http.StatusCreated, p, err)
}

func (s *Server) updatePlan(c *gin.Context) {
	var in billing.PlanInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Billing.UpdatePlan(operatorCtx(c), c.Param("plan"), in)
	s.reply(c, http.StatusOK, p, err)
}

// operatorStore is the operator acting in the store named by :tenant.
func (s *Server) operatorStore(c *gin.Context) (*gin.Context, bool) {
	t, err := s.Stores.ByID(ctx(c), c.Param("tenant"))
	if err != nil {
		s.fail(c, err)
		return c, false
	}
	c.Request = c.Request.WithContext(tenant.WithTenant(operatorCtx(c), t.ID))
	return c, true
}

func (s *Server) platformBilling(c *gin.Context) {
	if _, ok := s.operatorStore(c); !ok {
		return
	}
	out, err := s.Billing.Overview(ctx(c))
	s.reply(c, http.StatusOK, out, err)
}

func (s *Server) platformBillingPayments(c *gin.Context) {
	if _, ok := s.operatorStore(c); !ok {
		return
	}
	out, err := s.Billing.Payments(ctx(c))
	s.reply(c, http.StatusOK, page(out, ""), err)
}

func (s *Server) markPaymentPaid(c *gin.Context) {
	if _, ok := s.operatorStore(c); !ok {
		return
	}
	p, err := s.Billing.MarkPaid(ctx(c), c.Param("payment"))
	s.reply(c, http.StatusOK, p, err)
}

func (s *Server) billingNotify(c *gin.Context) {
	s.wechatPayNotify(c, "plan payment notification refused", s.Billing.HandleNotify)
}
