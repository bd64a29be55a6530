package api

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/access"
	"github.com/shoplet/shoplet/tenant/audit"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/files"
	"github.com/shoplet/shoplet/tenant/onboard"
	"github.com/shoplet/shoplet/tenant/settings"
)

// Request and response bodies that exist only at the HTTP edge.
type (
	loginInput struct {
		Email    string `json:"email" binding:"required"`
		Password string `json:"password" binding:"required"`
	}
	refreshInput struct {
		RefreshToken string `json:"refresh_token" binding:"required"`
	}
	signUpOutput struct {
		Account onboard.Account `json:"account"`
		onboard.Tokens
	}
	meOutput struct {
		Account onboard.Account   `json:"account"`
		Stores  []onboard.MyStore `json:"stores"`
	}
	tokenInput struct {
		Token string `json:"token" binding:"required"`
	}
	categoriesInput struct {
		Categories []string `json:"categories" binding:"required"`
	}
	// createdStoreOutput is the new store with the state of each category it
	// declared: active at once, or waiting for the documents it lists.
	createdStoreOutput struct {
		onboard.Tenant
		Categories []onboard.StoreCategory `json:"categories"`
	}
	storeOutput struct {
		Store      onboard.Tenant          `json:"store"`
		Role       string                  `json:"role"`
		ViaAgency  string                  `json:"via_agency,omitempty"`
		Categories []onboard.StoreCategory `json:"categories"`
	}
	inviteInput struct {
		Email string `json:"email" binding:"required"`
		Role  string `json:"role" binding:"required"`
	}
	roleInput struct {
		Role string `json:"role" binding:"required"`
	}
	// grantInput names the agency by id, or by the email of a person in it.
	grantInput struct {
		AgencyID string `json:"agency_id"`
		Email    string `json:"email"`
		Role     string `json:"role" binding:"required"`
	}
	nameInput struct {
		Name string `json:"name" binding:"required" text:"name"`
	}
	agencyMemberInput struct {
		Email string `json:"email" binding:"required"`
		Role  string `json:"role" binding:"required"`
	}
	statusInput struct {
		Status string `json:"status" binding:"required"`
	}
	bulkStatusInput struct {
		IDs    []string `json:"ids" binding:"required"`
		Status string   `json:"status" binding:"required"`
	}
	bulkStatusOutput struct {
		Results []catalog.BulkResult `json:"results"`
	}
	reasonInput struct {
		Reason string `json:"reason" binding:"required"`
	}
	businessCategoriesOutput struct {
		Categories []onboard.CategoryInfo                `json:"categories"`
		Rules      map[string]map[string]onboard.Verdict `json:"rules"`
	}
	platformTenantOutput struct {
		Store      onboard.Tenant          `json:"store"`
		Categories []onboard.StoreCategory `json:"categories"`
		Documents  []onboard.Document      `json:"documents"`
	}
)

func (s *Server) buildRoutes() []Route {
	const v1 = "/api/v1"
	st := v1 + "/stores/:store"
	pf := v1 + "/platform"
	return []Route{
		// Public
		{Method: "GET", Path: v1 + "/business-categories", Tag: "meta", Auth: Public, Summary: "Business categories and the rules per entity type",
			Out: businessCategoriesOutput{}, Handler: func(c *gin.Context) {
				c.JSON(http.StatusOK, businessCategoriesOutput{Categories: onboard.Categories, Rules: onboard.RuleTable()})
			}},
		{Method: "POST", Path: v1 + "/auth/signup", Tag: "auth", Auth: Public, Summary: "Create an account and sign in",
			In: onboard.SignUpInput{}, Out: signUpOutput{}, Status: 201, Errors: []int{409}, Handler: s.signUp},
		{Method: "POST", Path: v1 + "/auth/login", Tag: "auth", Auth: Public, Summary: "Sign in with email and password",
			In: loginInput{}, Out: onboard.Tokens{}, Errors: []int{401}, Handler: s.login},
		{Method: "POST", Path: v1 + "/auth/refresh", Tag: "auth", Auth: Public, Summary: "Rotate a refresh token",
			In: refreshInput{}, Out: onboard.Tokens{}, Errors: []int{401}, Handler: s.refresh},
		{Method: "POST", Path: v1 + "/auth/logout", Tag: "auth", Auth: User, Summary: "End this sign-in (all its tokens)", Handler: s.logout},

		// Signed-in account
		{Method: "GET", Path: v1 + "/me", Tag: "account", Auth: User, Summary: "The signed-in account and every store it can open",
			Out: meOutput{}, Handler: s.me},
		{Method: "GET", Path: v1 + "/stores", Tag: "stores", Auth: User, Summary: "The stores the caller can open (as staff and through its agencies)",
			Out: Page[onboard.MyStore]{}, Handler: s.myStores},
		{Method: "POST", Path: v1 + "/stores", Tag: "stores", Auth: User, Summary: "Create a store (the caller becomes its owner); the answer says which categories are active and which wait for documents",
			In: onboard.CreateStoreInput{}, Out: createdStoreOutput{}, Status: 201, Handler: s.createStore},
		{Method: "POST", Path: v1 + "/invitations/accept", Tag: "staff", Auth: User, Summary: "Accept a staff invitation",
			In: tokenInput{}, Out: onboard.Tenant{}, Handler: s.acceptInvitation},
		{Method: "POST", Path: v1 + "/agencies", Tag: "agencies", Auth: User, Summary: "Create an agency (the caller becomes its admin)",
			In: nameInput{}, Out: onboard.Agency{}, Status: 201, Handler: s.createAgency},
		{Method: "GET", Path: v1 + "/agencies", Tag: "agencies", Auth: User, Summary: "My agencies", Out: Page[onboard.Agency]{}, Handler: s.myAgencies},
		{Method: "GET", Path: v1 + "/agencies/:agency/members", Tag: "agencies", Auth: User, Summary: "An agency's people",
			Out: Page[onboard.AgencyPerson]{}, Handler: s.agencyMembers},
		{Method: "POST", Path: v1 + "/agencies/:agency/members", Tag: "agencies", Auth: User, Summary: "Add a person to an agency (agency admins)",
			In: agencyMemberInput{}, Out: onboard.AgencyMember{}, Status: 201, Handler: s.addAgencyMember},
		{Method: "DELETE", Path: v1 + "/agencies/:agency/members/:account", Tag: "agencies", Auth: User, Summary: "Remove a person from an agency",
			Handler: s.removeAgencyMember},
		{Method: "GET", Path: v1 + "/agencies/:agency/stores", Tag: "agencies", Auth: User, Summary: "Stores an agency operates",
			Out: Page[onboard.MyStore]{}, Handler: s.agencyStores},

		// A store
		{Method: "GET", Path: st, Tag: "stores", Auth: Store, Obj: access.ObjStore, Act: access.Read, Summary: "Store profile, my role and categories",
			Out: storeOutput{}, Handler: s.getStore},
		{Method: "PATCH", Path: st, Tag: "stores", Auth: Store, Obj: access.ObjStore, Act: access.Write, Summary: "Change the store profile",
			In: onboard.UpdateInput{}, Out: onboard.Tenant{}, Handler: s.updateStore},
		{Method: "POST", Path: st + "/business-categories", Tag: "stores", Auth: Store, Obj: access.ObjStore, Act: access.Write,
			Summary: "Declare more business categories", In: categoriesInput{}, Out: Page[onboard.StoreCategory]{}, Handler: s.addCategories},
		{Method: "GET", Path: st + "/documents", Tag: "stores", Auth: Store, Obj: access.ObjDocument, Act: access.Read,
			Summary: "Onboarding documents", Out: Page[onboard.Document]{}, Handler: s.listDocuments},
		{Method: "POST", Path: st + "/documents", Tag: "stores", Auth: Store, Obj: access.ObjDocument, Act: access.Write,
			Summary: "Upload an onboarding document", Multipart: []string{"category", "doc_type", "file"}, Out: onboard.Document{}, Status: 201, Handler: s.uploadDocument},
		{Method: "GET", Path: st + "/files/:file", Tag: "stores", Auth: Store, Obj: access.ObjStore, Act: access.Read,
			Summary: "Download an uploaded file", Handler: s.downloadFile},
		{Method: "GET", Path: st + "/staff", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Read,
			Summary: "Staff and their roles", Out: Page[onboard.StaffMember]{}, Handler: s.listStaff},
		{Method: "PATCH", Path: st + "/staff/:account", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Write,
			Summary: "Change a staff member's role", In: roleInput{}, Handler: s.changeRole},
		{Method: "DELETE", Path: st + "/staff/:account", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Write,
			Summary: "Remove a staff member", Handler: s.removeStaff},
		{Method: "GET", Path: st + "/invitations", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Read,
			Summary: "Open invitations", Out: Page[onboard.Invitation]{}, Handler: s.listInvitations},
		{Method: "POST", Path: st + "/invitations", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Write,
			Summary: "Invite someone by email with a role", In: inviteInput{}, Out: onboard.Invitation{}, Status: 201, Handler: s.invite},
		{Method: "DELETE", Path: st + "/invitations/:invitation", Tag: "staff", Auth: Store, Obj: access.ObjStaff, Act: access.Write,
			Summary: "Revoke an invitation", Handler: s.revokeInvitation},
		{Method: "GET", Path: st + "/agency-grants", Tag: "agencies", Auth: Store, Obj: access.ObjAgency, Act: access.Read,
			Summary: "Agencies with access to this store", Out: Page[onboard.AgencyGrant]{}, Handler: s.listGrants},
		{Method: "POST", Path: st + "/agency-grants", Tag: "agencies", Auth: Store, Obj: access.ObjAgency, Act: access.Write,
			Summary: "Grant an agency a role (again to change it), named by id or by a person's email (404 agency_not_found)", In: grantInput{}, Out: access.Grant{}, Status: 201, Handler: s.grant},
		{Method: "DELETE", Path: st + "/agency-grants/:agency", Tag: "agencies", Auth: Store, Obj: access.ObjAgency, Act: access.Write,
			Summary: "Revoke an agency's access", Handler: s.revoke},
		{Method: "GET", Path: st + "/audit-logs", Tag: "audit", Auth: Store, Obj: access.ObjAudit, Act: access.Read,
			Summary: "The store's audit log, newest first", Out: Page[audit.Entry]{},
			Query:   []QueryParam{{"action", "string", "only this action"}, {"actor", "string", "only this account id"}, {"cursor", "string", "next_cursor of the previous page"}},
			Handler: s.auditLogs},
		{Method: "GET", Path: st + "/settings/miniprogram", Tag: "settings", Auth: Store, Obj: access.ObjSecret, Act: access.Read,
			Summary: "Mini-program binding (secrets shown as fingerprints)", Out: settings.MiniProgramView{}, Handler: s.getMiniProgram},
		{Method: "PUT", Path: st + "/settings/miniprogram", Tag: "settings", Auth: Store, Obj: access.ObjSecret, Act: access.Write,
			Summary: "Set the mini-program appid and secret (write-only)", In: settings.MiniProgramInput{}, Out: settings.MiniProgramView{}, Handler: s.putMiniProgram},
		{Method: "GET", Path: st + "/settings/payment", Tag: "settings", Auth: Store, Obj: access.ObjSecret, Act: access.Read,
			Summary: "WeChat Pay settings (secrets shown as fingerprints)", Out: settings.PaymentView{}, Handler: s.getPayment},
		{Method: "PUT", Path: st + "/settings/payment", Tag: "settings", Auth: Store, Obj: access.ObjSecret, Act: access.Write,
			Summary: "Set WeChat Pay (direct, partner or global; secrets write-only)", In: settings.PaymentInput{}, Out: settings.PaymentView{}, Handler: s.putPayment},

		{Method: "GET", Path: st + "/settings/contact", Tag: "settings", Auth: Store, Obj: access.ObjStore, Act: access.Read,
			Summary: "How shoppers reach the store (the service phone)", Out: settings.ContactInput{}, Handler: s.getContact},
		{Method: "PUT", Path: st + "/settings/contact", Tag: "settings", Auth: Store, Obj: access.ObjStore, Act: access.Write,
			Summary: "Set the service phone shoppers see (\"\" for none)", In: settings.ContactInput{}, Out: settings.ContactInput{}, Handler: s.putContact},
		{Method: "GET", Path: st + "/settings/messages", Tag: "settings", Auth: Store, Obj: access.ObjMiniApp, Act: access.Read,
			Summary: "Subscribe-message templates (paid, shipped)", Out: settings.MessagesInput{}, Handler: s.getMessages},
		{Method: "PUT", Path: st + "/settings/messages", Tag: "settings", Auth: Store, Obj: access.ObjMiniApp, Act: access.Write,
			Summary: "Set subscribe-message templates", In: settings.MessagesInput{}, Out: settings.MessagesInput{}, Handler: s.putMessages},

		// Catalog
		{Method: "GET", Path: st + "/categories", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "The category tree", Out: Page[catalog.Category]{}, Handler: s.listCategories},
		{Method: "POST", Path: st + "/categories", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Create a category", In: catalog.CategoryInput{}, Out: catalog.Category{}, Status: 201, Handler: s.createCategory},
		{Method: "PATCH", Path: st + "/categories/:category", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Rename or reorder a category", In: catalog.CategoryInput{}, Out: catalog.Category{}, Handler: s.updateCategory},
		{Method: "DELETE", Path: st + "/categories/:category", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Delete an empty category", Handler: s.deleteCategory},
		{Method: "POST", Path: st + "/images", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Upload a product image", Multipart: []string{"file"}, Out: files.File{}, Status: 201, Handler: s.uploadImage},
		{Method: "GET", Path: st + "/products", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "Search, filter, sort and page products", Out: Page[catalog.ListItem]{}, Query: productQuery, Handler: s.listProducts},
		{Method: "POST", Path: st + "/products", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Create a product (draft) with its SKU matrix", In: catalog.ProductInput{}, Out: catalog.Product{}, Status: 201, Handler: s.createProduct},
		{Method: "GET", Path: st + "/products/counts", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "How many products each status tab holds, sold out and low on stock", Out: catalog.StatusCounts{}, Handler: s.productCounts},
		{Method: "POST", Path: st + "/products/bulk-status", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Put many products on or off the shelf", In: bulkStatusInput{}, Out: bulkStatusOutput{}, Handler: s.bulkStatus},
		{Method: "GET", Path: st + "/products/:product", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Read,
			Summary: "A product with its SKUs", Out: catalog.Product{}, Handler: s.getProduct},
		{Method: "PUT", Path: st + "/products/:product", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Replace a product and its SKU matrix", In: catalog.ProductInput{}, Out: catalog.Product{}, Handler: s.updateProduct},
		{Method: "DELETE", Path: st + "/products/:product", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Delete a product", Handler: s.deleteProduct},
		{Method: "PUT", Path: st + "/products/:product/status", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Put a product on or off the shelf", In: statusInput{}, Out: catalog.Product{}, Handler: s.setProductStatus},
		{Method: "PATCH", Path: st + "/skus/:sku", Tag: "catalog", Auth: Store, Obj: access.ObjCatalog, Act: access.Write,
			Summary: "Change a SKU's price, stock or barcode", In: catalog.SKUPatch{}, Out: catalog.SKU{}, Handler: s.patchSKU},

		// Platform operator
		{Method: "GET", Path: pf + "/tenants", Tag: "platform", Auth: Operator, Summary: "All stores",
			Query: []QueryParam{{"status", "string", "active or suspended"}, {"q", "string", "name or slug contains"}, {"pending", "boolean", "only stores awaiting review"}, {"cursor", "string", "next_cursor"}},
			Out:   Page[onboard.Tenant]{}, Handler: s.platformTenants},
		{Method: "GET", Path: pf + "/tenants/:tenant", Tag: "platform", Auth: Operator, Summary: "A store with its categories and documents",
			Out: platformTenantOutput{}, Handler: s.platformTenant},
		{Method: "GET", Path: pf + "/tenants/:tenant/files/:file", Tag: "platform", Auth: Operator, Summary: "Download a store's document for review",
			Handler: s.platformFile},
		{Method: "GET", Path: pf + "/reviews", Tag: "platform", Auth: Operator, Summary: "Categories awaiting review, oldest first",
			Out: Page[onboard.ReviewItem]{}, Handler: s.reviewQueue},
		{Method: "POST", Path: pf + "/tenants/:tenant/categories/:category/approve", Tag: "platform", Auth: Operator, Summary: "Approve a category",
			Handler: s.approve},
		{Method: "POST", Path: pf + "/tenants/:tenant/categories/:category/reject", Tag: "platform", Auth: Operator, Summary: "Reject a category with a reason",
			In: reasonInput{}, Handler: s.reject},
		{Method: "POST", Path: pf + "/tenants/:tenant/suspend", Tag: "platform", Auth: Operator, Summary: "Suspend a store",
			In: reasonInput{}, Out: onboard.Tenant{}, Handler: s.suspend},
		{Method: "POST", Path: pf + "/tenants/:tenant/restore", Tag: "platform", Auth: Operator, Summary: "Restore a suspended store",
			Out: onboard.Tenant{}, Handler: s.restore},
	}
}

var productQuery = []QueryParam{
	{"q", "string", "keyword in title, subtitle or barcode"}, {"status", "string", "draft, on_shelf or off_shelf"},
	{"category_id", "string", "category id"}, {"business_category", "string", "business category code"},
	{"min_price", "integer", "fen"}, {"max_price", "integer", "fen"}, {"in_stock", "boolean", "true: stock > 0; false: sold out"},
	{"sort", "string", "newest (default), oldest, price_asc, price_desc"}, {"cursor", "string", "next_cursor"}, {"limit", "integer", "1–100, default 20"},
}

// --- auth ---

func (s *Server) signUp(c *gin.Context) {
	var in onboard.SignUpInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	acc, t, err := s.Auth.SignUp(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, signUpOutput{Account: acc, Tokens: t})
}

func (s *Server) login(c *gin.Context) {
	var in loginInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Auth.Login(ctx(c), in.Email, in.Password, c.ClientIP())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) refresh(c *gin.Context) {
	var in refreshInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Auth.Refresh(ctx(c), in.RefreshToken)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) logout(c *gin.Context) {
	if err := s.Auth.Logout(ctx(c), session(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	acc, err := s.Auth.AccountByID(ctx(c), session(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	stores, err := s.Agencies.MyStores(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	if stores == nil {
		stores = []onboard.MyStore{}
	}
	c.JSON(http.StatusOK, meOutput{Account: acc, Stores: stores})
}

// --- stores ---

func (s *Server) createStore(c *gin.Context) {
	var in onboard.CreateStoreInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Stores.Provision(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The caller owns the store it just made: read its categories in it.
	cats, err := s.Stores.CategoriesOf(tenant.WithTenant(ctx(c), t.ID), t)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, createdStoreOutput{Tenant: t, Categories: cats})
}

func (s *Server) myStores(c *gin.Context) {
	stores, err := s.Agencies.MyStores(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(stores, ""))
}

func (s *Server) getStore(c *gin.Context) {
	t, err := s.Stores.Get(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	cats, err := s.Stores.CategoriesOf(ctx(c), t)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	c.JSON(http.StatusOK, storeOutput{Store: t, Role: p.Role, ViaAgency: p.AgencyID, Categories: cats})
}

func (s *Server) updateStore(c *gin.Context) {
	var in onboard.UpdateInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Stores.Update(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) addCategories(c *gin.Context) {
	var in categoriesInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cats, err := s.Stores.AddCategories(ctx(c), in.Categories)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(cats, ""))
}

func (s *Server) listDocuments(c *gin.Context) {
	docs, err := s.Stores.Documents(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(docs, ""))
}

// maxUpload bounds a multipart request (the largest file plus form overhead).
const maxUpload = 11 << 20

// formFile opens the multipart field "file" of a request bounded to maxUpload.
func formFile(c *gin.Context) (string, multipart.File, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUpload)
	fh, err := c.FormFile("file")
	if err != nil {
		if strings.Contains(err.Error(), "http: request body too large") {
			return "", nil, &errs.Error{Kind: errs.TooLarge, Code: "file_too_large", Message: "the upload is larger than 10 MB"}
		}
		return "", nil, errs.Field("file", "required", "send the file as multipart/form-data field \"file\"")
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, errs.Wrap(err, "open upload")
	}
	return fh.Filename, f, nil
}

func (s *Server) uploadDocument(c *gin.Context) {
	name, f, err := formFile(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	doc, err := s.Stores.UploadDocument(ctx(c), c.PostForm("category"), c.PostForm("doc_type"), name, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, doc)
}

func (s *Server) uploadImage(c *gin.Context) {
	name, f, err := formFile(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	var out files.File
	err = s.T.Tx(ctx(c), func(txc contextT) error {
		var err error
		out, err = s.Files.Save(txc, files.Image, name, f)
		return err
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) downloadFile(c *gin.Context) {
	s.sendFile(c, ctx(c), c.Param("file"))
}

func (s *Server) sendFile(c *gin.Context, cx contextT, id string) {
	var meta files.File
	var rc io.ReadCloser
	err := s.T.Tx(cx, func(cx contextT) error {
		var err error
		meta, rc, err = s.Files.Open(cx, id)
		return err
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": meta.Filename}))
	c.Header("X-Content-Type-Options", "nosniff")
	c.DataFromReader(http.StatusOK, meta.Size, meta.ContentType, rc, nil)
}

// --- staff ---

func (s *Server) listStaff(c *gin.Context) {
	out, err := s.Stores.Staff(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) changeRole(c *gin.Context) {
	var in roleInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Stores.ChangeRole(ctx(c), principal(c).Role, c.Param("account"), in.Role); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) removeStaff(c *gin.Context) {
	if err := s.Stores.RemoveStaff(ctx(c), c.Param("account")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listInvitations(c *gin.Context) {
	out, err := s.Stores.Invitations(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) invite(c *gin.Context) {
	var in inviteInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.Stores.Invite(ctx(c), principal(c).Role, in.Email, in.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, inv)
}

func (s *Server) revokeInvitation(c *gin.Context) {
	if err := s.Stores.RevokeInvitation(ctx(c), c.Param("invitation")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) acceptInvitation(c *gin.Context) {
	var in tokenInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	acc, err := s.Auth.AccountByID(ctx(c), session(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Stores.AcceptInvitation(ctx(c), acc, in.Token)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

// --- agencies ---

func (s *Server) createAgency(c *gin.Context) {
	var in nameInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	ag, err := s.Agencies.Create(ctx(c), in.Name)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, ag)
}

func (s *Server) myAgencies(c *gin.Context) {
	out, err := s.Agencies.Mine(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) agencyMembers(c *gin.Context) {
	out, err := s.Agencies.Members(ctx(c), c.Param("agency"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) addAgencyMember(c *gin.Context) {
	var in agencyMemberInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.Agencies.AddMember(ctx(c), c.Param("agency"), in.Email, in.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, m)
}

func (s *Server) removeAgencyMember(c *gin.Context) {
	if err := s.Agencies.RemoveMember(ctx(c), c.Param("agency"), c.Param("account")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) agencyStores(c *gin.Context) {
	out, err := s.Agencies.AgencyStores(ctx(c), c.Param("agency"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) listGrants(c *gin.Context) {
	out, err := s.Stores.AgencyGrants(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) grant(c *gin.Context) {
	var in grantInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if in.AgencyID == "" && in.Email == "" {
		s.fail(c, errs.Field("agency_id", "required", "give the agency's id, or the email of a person in it"))
		return
	}
	if in.AgencyID == "" {
		id, err := s.Stores.AgencyByEmail(ctx(c), in.Email)
		if err != nil {
			s.fail(c, err)
			return
		}
		in.AgencyID = id
	}
	g, err := s.Stores.GrantAgency(ctx(c), in.AgencyID, in.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, g)
}

func (s *Server) revoke(c *gin.Context) {
	if err := s.Stores.RevokeAgency(ctx(c), c.Param("agency")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) auditLogs(c *gin.Context) {
	var out []audit.Entry
	var next string
	err := s.T.Tx(ctx(c), func(cx contextT) error {
		var err error
		out, next, err = s.Audit.List(cx, audit.Filter{Action: c.Query("action"), ActorID: c.Query("actor"), Before: c.Query("cursor")})
		return err
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, next))
}

// --- settings ---

func (s *Server) getMiniProgram(c *gin.Context) {
	v, err := s.Settings.GetMiniProgram(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) putMiniProgram(c *gin.Context) {
	var in settings.MiniProgramInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Settings.PutMiniProgram(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) getPayment(c *gin.Context) {
	v, err := s.Settings.GetPayment(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) putPayment(c *gin.Context) {
	var in settings.PaymentInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Settings.PutPayment(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) getMessages(c *gin.Context) {
	v, err := s.Settings.Messages(ctx(c))
	s.reply(c, http.StatusOK, v, err)
}

func (s *Server) putMessages(c *gin.Context) {
	var in settings.MessagesInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Settings.PutMessages(ctx(c), in)
	s.reply(c, http.StatusOK, v, err)
}

func (s *Server) getContact(c *gin.Context) {
	v, err := s.Settings.Contact(ctx(c))
	s.reply(c, http.StatusOK, v, err)
}

func (s *Server) putContact(c *gin.Context) {
	var in settings.ContactInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Settings.PutContact(ctx(c), in)
	s.reply(c, http.StatusOK, v, err)
}
