package openapi_test

import (
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// TestCustomObjectInstanceDefects: the loaded description accepts the list
// of a type's instances (GET without external_id, paged) and typed
// attribute values, as Intercom does, and still refuses what Intercom
// refuses.
func TestCustomObjectInstanceDefects(t *testing.T) {
	v := openapitest.ForTest(t)
	checkDefectRequests(t, v, []defectRequest{
		{"GET", "/custom_object_instances/Order", "", true},
		{"GET", "/custom_object_instances/Order?page=2&per_page=150", "", true},
		{"GET", "/custom_object_instances/Order?per_page=151", "", false},
		{"GET", "/custom_object_instances/Order?page=0", "", false},
		{"GET", "/custom_object_instances/Order?external_id=x", "", true},
		{"POST", "/custom_object_instances/Order", `{"external_id":"x","custom_attributes":{"total":99.5,"paid":true,"n":"a","gone":null}}`, true},
		{"POST", "/custom_object_instances/Order", `{"external_id":"x","custom_attributes":{"nested":{"a":1}}}`, false},
	})
	// The list answer is validated by the sandbox's tests (every response
	// whole); here the instance with typed values.
	if err := v.ValidateComponent("custom_object_instance", []byte(`{"id":"22","type":"Order","external_id":"x","custom_attributes":{"total_amount":99.99,"paid":false,"note":null}}`)); err != nil {
		t.Errorf("typed attribute values: %v", err)
	}
	if err := v.ValidateComponent("custom_object_instance", []byte(`{"id":"1","custom_attributes":{"a":[1]}}`)); err == nil {
		t.Error("a list as an attribute value was accepted")
	}
}
