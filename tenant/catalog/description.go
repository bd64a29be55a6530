package catalog

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// The description is rich text (HTML) edited in the console and shown by the
// mini-program's <rich-text>. It is sanitised when saved, to the few elements
// a product page needs: staff with catalog rights cannot plant script that
// runs in another staff member's console, and the mini-program gets only
// what <rich-text> renders. Images must be the store's own (the shop API's
// image path) or https.
var descriptionPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "b", "em", "i", "u", "h3", "h4", "ul", "ol", "li", "blockquote")
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^(/api/shop/v1/stores/[0-9a-f-]{36}/images/[0-9a-f-]{36}|https://[^\s"'<>]+)$`)).OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowURLSchemes("https")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	return p
}()

// SanitizeDescription keeps the allowed rich text of a description.
func SanitizeDescription(html string) string { return descriptionPolicy.Sanitize(html) }
