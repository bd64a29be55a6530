// Package access decides who may do what in which tenant: built-in roles,
// per-tenant Casbin enforcers (RBAC with domains, domain = tenant), staff
// memberships and agency grants.
package access

import "slices"

// Built-in roles of a store. An agency can be granted any but Owner.
const (
	Owner          = "owner"
	Admin          = "admin"
	CatalogManager = "catalog_manager"
	OrderClerk     = "order_clerk"
	Viewer         = "viewer"
)

// Roles lists the built-in roles, most powerful first.
var Roles = []string{Owner, Admin, CatalogManager, OrderClerk, Viewer}

// Rank orders roles by power (owner highest, 0 for no role): nobody hands
// out a role above their own.
func Rank(role string) int {
	for i, r := range Roles {
		if r == role {
			return len(Roles) - i
		}
	}
	return 0
}

// ValidRole reports whether r is a built-in role.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// Objects a permission is about. Routes name one object and one action.
const (
	ObjStore    = "store"    // profile, categories, documents' status
	ObjStaff    = "staff"    // members and invitations
	ObjAgency   = "agency"   // agency grants
	ObjAudit    = "audit"    // the audit log
	ObjSecret   = "secret"   // WeChat and WeChat Pay credentials
	ObjDocument = "document" // onboarding documents
	ObjCatalog  = "catalog"  // categories, products, SKUs, images
	ObjOrder    = "order"
	ObjMember   = "member" // shoppers
	ObjMiniApp  = "miniapp"
	// ObjMarketing is coupons, promotions and shipping templates.
	ObjMarketing = "marketing"
	// ObjBilling is the store's plan, its payments and invoice details.
	ObjBilling = "billing"

	Read  = "read"
	Write = "write"
)

// Objects lists every object.
var Objects = []string{ObjStore, ObjStaff, ObjAgency, ObjAudit, ObjSecret, ObjDocument, ObjCatalog, ObjOrder, ObjMember, ObjMiniApp, ObjMarketing, ObjBilling}

// rolePerms is the built-in role table. It is product code, not data: every
// tenant's enforcer gets these as policies in the "*" domain, so provisioning a
// tenant writes only who holds which role (one "g" rule per person or agency).
// "*" matches any object or action; it keeps the table short, and Casbin's
// check is linear in the number of policies.
var rolePerms = map[string][][2]string{
	Owner: {{Any, Any}},
	Admin: {
		{Any, Read}, {ObjStore, Write}, {ObjStaff, Write}, {ObjDocument, Write}, {ObjCatalog, Write},
		{ObjOrder, Write}, {ObjMember, Write}, {ObjMiniApp, Write}, {ObjMarketing, Write}, {ObjBilling, Write},
	},
	CatalogManager: {{ObjStore, Read}, {ObjCatalog, Any}, {ObjMiniApp, Read}, {ObjMarketing, Any}},
	OrderClerk:     {{ObjStore, Read}, {ObjCatalog, Read}, {ObjOrder, Any}, {ObjMember, Read}, {ObjMarketing, Read}},
	Viewer:         {{ObjStore, Read}, {ObjCatalog, Read}, {ObjOrder, Read}, {ObjMember, Read}, {ObjMiniApp, Read}, {ObjMarketing, Read}},
}

// Any matches every object or action in a built-in policy.
const Any = "*"

// Subject names for Casbin: a person ("u:<account id>") or an agency ("a:<agency id>").
func UserSubject(accountID string) string  { return "u:" + accountID }
func AgencySubject(agencyID string) string { return "a:" + agencyID }
