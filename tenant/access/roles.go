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

	Read  = "read"
	Write = "write"
)

// Objects lists every object.
var Objects = []string{ObjStore, ObjStaff, ObjAgency, ObjAudit, ObjSecret, ObjDocument, ObjCatalog, ObjOrder, ObjMember, ObjMiniApp}

// rolePerms is the built-in role table. It is product code, not data: every
// tenant's enforcer gets these as policies in the "*" domain, so provisioning a
// tenant writes only who holds which role (one "g" rule per person or agency).
var rolePerms = map[string][][2]string{
	Owner: everything(),
	Admin: {
		{ObjStore, Read}, {ObjStore, Write}, {ObjStaff, Read}, {ObjStaff, Write}, {ObjAgency, Read}, {ObjAudit, Read},
		{ObjSecret, Read}, {ObjDocument, Read}, {ObjDocument, Write}, {ObjCatalog, Read}, {ObjCatalog, Write},
		{ObjOrder, Read}, {ObjOrder, Write}, {ObjMember, Read}, {ObjMember, Write}, {ObjMiniApp, Read}, {ObjMiniApp, Write},
	},
	CatalogManager: {{ObjStore, Read}, {ObjCatalog, Read}, {ObjCatalog, Write}, {ObjMiniApp, Read}},
	OrderClerk:     {{ObjStore, Read}, {ObjCatalog, Read}, {ObjOrder, Read}, {ObjOrder, Write}, {ObjMember, Read}},
	Viewer:         {{ObjStore, Read}, {ObjCatalog, Read}, {ObjOrder, Read}, {ObjMember, Read}, {ObjMiniApp, Read}},
}

func everything() [][2]string {
	var out [][2]string
	for _, o := range Objects {
		out = append(out, [2]string{o, Read}, [2]string{o, Write})
	}
	return out
}

// Subject names for Casbin: a person ("u:<account id>") or an agency ("a:<agency id>").
func UserSubject(accountID string) string  { return "u:" + accountID }
func AgencySubject(agencyID string) string { return "a:" + agencyID }
