package openapi_test

import (
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// TestCompanyCustomAttributeValues: the description types company custom
// attributes as strings; Intercom takes and returns values of the
// attribute's type. The loaded description accepts those, and still refuses
// what no attribute can hold.
func TestCompanyCustomAttributeValues(t *testing.T) {
	v := openapitest.ForTest(t)
	valid := `{"type":"company","id":"6762f0761bb69f9f2193bae2","company_id":"c1","name":"Blue Sun",
		"custom_attributes":{"paid_subscriber":true,"monthly_spend":155.5,"team_mates":9,"tier":"gold","cleared":null}}`
	if err := v.ValidateComponent("company", []byte(valid)); err != nil {
		t.Errorf("company with typed custom attributes: %v", err)
	}
	for _, bad := range []string{
		`{"type":"company","id":"x","custom_attributes":{"nested":{"a":1}}}`,
		`{"type":"company","id":"x","custom_attributes":{"list":[1,2]}}`,
	} {
		if err := v.ValidateComponent("company", []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	checkDefectRequests(t, v, []defectRequest{
		{"POST", "/companies", `{"company_id":"c1","name":"Blue Sun","custom_attributes":{"team_mates":9,"paid_subscriber":false,"ratio":0.5,"note":"x"}}`, true},
		{"POST", "/companies", `{"company_id":"c1","custom_attributes":{"bad":{"x":1}}}`, false},
		{"PUT", "/companies/6762f0761bb69f9f2193bae2", `{"custom_attributes":{"team_mates":9,"gone":null}}`, true},
	})
}
