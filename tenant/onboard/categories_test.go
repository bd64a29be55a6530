package onboard

import (
	"slices"
	"testing"
)

func TestCategoryRules(t *testing.T) {
	cases := []struct {
		entity, category string
		allowed          bool
		docs             []string
		positiveList     bool
	}{
		{Overseas, CatApparel, true, nil, false},
		{Overseas, CatStationery, true, nil, false},
		{Overseas, CatMedicine, false, nil, false},
		{Overseas, CatFood, true, []string{DocTrademark, DocAuthorisation, DocCommitment}, true},
		{Overseas, CatAlcohol, true, []string{DocTrademark, DocAuthorisation, DocCommitment}, true},
		{Overseas, CatBaby, true, []string{DocTrademark, DocAuthorisation, DocCommitment}, true},
		{Overseas, CatInfantMilk, true, []string{DocTrademark, DocAuthorisation, DocEntrustment, DocCrossBorderSales}, true},
		{Overseas, CatSupplements, true, []string{DocTrademark, DocAuthorisation, DocEntrustment, DocCrossBorderSales}, true},
		{Mainland, CatApparel, true, nil, false},
		{Mainland, CatMedicine, true, []string{DocDrugLicence}, false},
		{Mainland, CatFood, true, []string{DocFoodLicence}, false},
	}
	for _, c := range cases {
		v := Rule(c.entity, c.category)
		if v.Allowed != c.allowed || !slices.Equal(v.Documents, c.docs) || v.PositiveList != c.positiveList {
			t.Errorf("%s/%s = %+v", c.entity, c.category, v)
		}
		if !c.allowed && v.Reason == "" {
			t.Errorf("%s/%s refused without a reason", c.entity, c.category)
		}
	}
	if len(RuleTable()[Overseas]) != len(Categories) {
		t.Fatal("rule table incomplete")
	}
}
