package onboard

import "sort"

// Entity types a brand declares.
const (
	Mainland = "mainland"
	Overseas = "overseas"
)

// Business categories a store may sell in. The rules below come from WeChat's
// rules for overseas entities on cross-border WeChat Pay (see DOMAIN.md).
const (
	CatApparel      = "apparel"        // fashion apparel and accessories
	CatToys         = "toys"           // toys
	CatBeauty       = "beauty"         // beauty and personal care
	CatJewellery    = "jewellery"      // jewellery, watches, eyewear
	CatFlowersCraft = "flowers_crafts" // flowers, handicrafts
	CatHousehold    = "household"      // household items, home textiles
	CatStationery   = "stationery"
	CatPetFood      = "pet_food"
	CatBaby         = "baby_supplies" // pacifiers, diapers, clothes, feeders; not infant milk
	CatFood         = "food"
	CatAlcohol      = "alcohol"
	CatInfantMilk   = "infant_formula"
	CatSupplements  = "health_supplements"
	CatMedicine     = "otc_medicine"
)

// Documents a store may have to upload.
const (
	DocTrademark        = "trademark_certificate"
	DocAuthorisation    = "authorisation_letter" // from the trademark owner, original plus Chinese/English translation
	DocCommitment       = "commitment_letter"
	DocEntrustment      = "entrustment_letter" // with a Chinese domestic company that accepts joint liability
	DocCrossBorderSales = "cross_border_sales_evidence"
	DocFoodLicence      = "food_business_licence" // 食品经营许可证
	DocDrugLicence      = "drug_business_licence" // 药品经营许可证
)

// Verdict says what an entity must do to sell in a category.
type Verdict struct {
	Allowed      bool     `json:"allowed"`
	Documents    []string `json:"documents,omitempty"` // empty: active at once
	PositiveList bool     `json:"positive_list"`       // every product must be on the cross-border import Positive List
	Reason       string   `json:"reason,omitempty"`    // why it is refused
}

// CategoryInfo describes a category for the console.
type CategoryInfo struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Zh    string `json:"label_zh"`
}

// Categories lists every business category in display order.
var Categories = []CategoryInfo{
	{CatApparel, "Fashion apparel and accessories", "服饰箱包"},
	{CatToys, "Toys", "玩具"},
	{CatBeauty, "Beauty and personal care", "美妆个护"},
	{CatJewellery, "Jewellery, watches, eyewear", "珠宝配饰、钟表眼镜"},
	{CatFlowersCraft, "Flowers, handicrafts", "鲜花、工艺品"},
	{CatHousehold, "Household items, home textiles", "家居日用、家纺"},
	{CatStationery, "Stationery", "文具"},
	{CatPetFood, "Pet food", "宠物食品"},
	{CatBaby, "Baby supplies (not infant milk)", "母婴用品（不含奶粉）"},
	{CatFood, "Food", "食品"},
	{CatAlcohol, "Liquor, wine, alcoholic drinks", "酒类"},
	{CatInfantMilk, "Infant milk formula", "婴幼儿配方奶粉"},
	{CatSupplements, "Nutrition and health supplements", "营养保健品"},
	{CatMedicine, "OTC drugs, medicine", "非处方药、药品"},
}

// ValidCategory reports whether c is a known category code.
func ValidCategory(c string) bool {
	for _, x := range Categories {
		if x.Code == c {
			return true
		}
	}
	return false
}

var (
	overseasTierA = []string{DocTrademark, DocAuthorisation, DocCommitment}
	overseasTierB = []string{DocTrademark, DocAuthorisation, DocEntrustment, DocCrossBorderSales}
)

// Rule returns what an entity of type entity must provide to sell in category.
func Rule(entity, category string) Verdict {
	if entity == Overseas {
		switch category {
		case CatMedicine:
			return Verdict{Reason: "overseas entities may not sell OTC drugs or medicine through cross-border WeChat Pay"}
		case CatPetFood, CatBaby, CatFood, CatAlcohol:
			return Verdict{Allowed: true, Documents: overseasTierA, PositiveList: true}
		case CatInfantMilk, CatSupplements:
			return Verdict{Allowed: true, Documents: overseasTierB, PositiveList: true}
		}
		return Verdict{Allowed: true}
	}
	// Mainland stores sell under their own business licence; food and drug
	// categories still need the specific permit WeChat asks for.
	switch category {
	case CatMedicine:
		return Verdict{Allowed: true, Documents: []string{DocDrugLicence}}
	case CatFood, CatAlcohol, CatInfantMilk, CatSupplements, CatPetFood:
		return Verdict{Allowed: true, Documents: []string{DocFoodLicence}}
	}
	return Verdict{Allowed: true}
}

// RuleTable returns the verdict of every category for both entity types, for the console.
func RuleTable() map[string]map[string]Verdict {
	out := map[string]map[string]Verdict{}
	for _, e := range []string{Mainland, Overseas} {
		out[e] = map[string]Verdict{}
		for _, c := range Categories {
			out[e][c.Code] = Rule(e, c.Code)
		}
	}
	return out
}

func sortedUnique(in []string) []string {
	m := map[string]bool{}
	var out []string
	for _, s := range in {
		if !m[s] {
			m[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
