package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/shoplet/shoplet/pkg/errs"
	"github.com/shoplet/shoplet/tenant"
	"github.com/shoplet/shoplet/tenant/catalog"
	"github.com/shoplet/shoplet/tenant/onboard"
)

type contextT = context.Context

func (s *Server) listCategories(c *gin.Context) {
	s.cached(c, func() (any, error) {
		out, err := s.Catalog.Categories(ctx(c))
		return page(out, ""), err
	})
}

func (s *Server) createCategory(c *gin.Context) {
	var in catalog.CategoryInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Catalog.CreateCategory(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) updateCategory(c *gin.Context) {
	var in catalog.CategoryInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Catalog.UpdateCategory(ctx(c), c.Param("category"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) deleteCategory(c *gin.Context) {
	if err := s.Catalog.DeleteCategory(ctx(c), c.Param("category")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func queryInt(c *gin.Context, name string, f *errs.Fields) *int64 {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.Add(name, "wrong_type", "must be an integer")
		return nil
	}
	return &n
}

func queryBool(c *gin.Context, name string, f *errs.Fields) *bool {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		f.Add(name, "wrong_type", "must be true or false")
		return nil
	}
	return &b
}

func (s *Server) listProducts(c *gin.Context) {
	var fe errs.Fields
	lf := catalog.ListFilter{Query: c.Query("q"), Status: c.Query("status"), CategoryID: c.Query("category_id"),
		BusinessCategory: c.Query("business_category"), Sort: c.Query("sort"), Cursor: c.Query("cursor"),
		MinPrice: queryInt(c, "min_price", &fe), MaxPrice: queryInt(c, "max_price", &fe), InStock: queryBool(c, "in_stock", &fe)}
	if l := queryInt(c, "limit", &fe); l != nil {
		lf.Limit = int(*l)
		if lf.Limit == 0 {
			lf.Limit = -1 // explicit 0 is out of range, not "default"
		}
	}
	if err := fe.Err(); err != nil {
		s.fail(c, err)
		return
	}
	s.cached(c, func() (any, error) {
		items, next, err := s.Catalog.List(ctx(c), lf)
		return page(items, next), err
	})
}

func (s *Server) createProduct(c *gin.Context) {
	var in catalog.ProductInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Catalog.Create(ctx(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, p)
}

func (s *Server) getProduct(c *gin.Context) {
	p, err := s.Catalog.Get(ctx(c), c.Param("product"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) updateProduct(c *gin.Context) {
	var in catalog.ProductInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Catalog.Update(ctx(c), c.Param("product"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) deleteProduct(c *gin.Context) {
	if err := s.Catalog.Delete(ctx(c), c.Param("product")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) setProductStatus(c *gin.Context) {
	var in statusInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Catalog.SetStatus(ctx(c), c.Param("product"), in.Status)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) bulkStatus(c *gin.Context) {
	var in bulkStatusInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Catalog.BulkStatus(ctx(c), in.IDs, in.Status)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, bulkStatusOutput{Results: res})
}

func (s *Server) patchSKU(c *gin.Context) {
	var in catalog.SKUPatch
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sku, err := s.Catalog.PatchSKU(ctx(c), c.Param("sku"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sku)
}

// --- platform operator ---

// operatorCtx marks the actor as a platform operator (audited as such).
func operatorCtx(c *gin.Context) context.Context {
	cx := ctx(c)
	a := tenant.ActorFrom(cx)
	a.Operator = true
	return tenant.WithActor(cx, a)
}

func (s *Server) platformTenants(c *gin.Context) {
	var fe errs.Fields
	pending := queryBool(c, "pending", &fe)
	if err := fe.Err(); err != nil {
		s.fail(c, err)
		return
	}
	f := onboard.TenantFilter{Status: c.Query("status"), Query: c.Query("q"), Before: c.Query("cursor")}
	if pending != nil {
		f.Pending = *pending
	}
	out, next, err := s.Platform.Tenants(ctx(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, next))
}

func (s *Server) platformTenant(c *gin.Context) {
	t, err := s.Stores.ByID(ctx(c), c.Param("tenant"))
	if err != nil {
		s.fail(c, err)
		return
	}
	tc := tenant.WithTenant(operatorCtx(c), t.ID)
	cats, err := s.Stores.Categories(tc)
	if err != nil {
		s.fail(c, err)
		return
	}
	docs, err := s.Stores.Documents(tc)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, platformTenantOutput{Store: t, Categories: cats, Documents: docs})
}

func (s *Server) platformFile(c *gin.Context) {
	t, err := s.Stores.ByID(ctx(c), c.Param("tenant"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.sendFile(c, tenant.WithTenant(operatorCtx(c), t.ID), c.Param("file"))
}

func (s *Server) reviewQueue(c *gin.Context) {
	out, err := s.Platform.ReviewQueue(ctx(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page(out, ""))
}

func (s *Server) approve(c *gin.Context) {
	if err := s.Platform.Review(operatorCtx(c), c.Param("tenant"), c.Param("category"), true, ""); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) reject(c *gin.Context) {
	var in reasonInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Platform.Review(operatorCtx(c), c.Param("tenant"), c.Param("category"), false, in.Reason); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) suspend(c *gin.Context) {
	var in reasonInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Platform.SetStatus(operatorCtx(c), c.Param("tenant"), true, in.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) restore(c *gin.Context) {
	t, err := s.Platform.SetStatus(operatorCtx(c), c.Param("tenant"), false, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) productCounts(c *gin.Context) {
	out, err := s.Catalog.Counts(ctx(c))
	s.reply(c, http.StatusOK, out, err)
}
