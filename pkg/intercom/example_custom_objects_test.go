package intercom_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Write an instance of a custom object type by its external id: the same
// call creates it or updates it, so sending it twice never makes two.
func ExampleCustomObjectInstancesService_CreateOrUpdate() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /custom_object_instances/Order": func(*http.Request) (int, string) {
			return 200, `{"id":"22","type":"Order","external_id":"ord-123","custom_attributes":{"order_number":"ORDER-12345","total_amount":99.99}}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	for range 2 {
		o, _, err := c.CustomObjectInstances.CreateOrUpdate(context.Background(), "Order", &intercom.CustomObjectInstanceRequest{
			ExternalID:       "ord-123",
			CustomAttributes: map[string]any{"order_number": "ORDER-12345", "total_amount": 99.99},
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.ID, o.ExternalID, o.CustomAttributes["total_amount"])
	}
	// Output:
	// 22 ord-123 99.99
	// 22 ord-123 99.99
}

// Custom object types cannot be listed through the API: check that the
// types a migration needs exist in a workspace.
func ExampleCustomObjectInstancesService_TypeExists() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /custom_object_instances/Order": func(*http.Request) (int, string) {
			return 404, `{"type":"error.list","errors":[{"code":"not_found","message":"Custom object instance not found"}]}`
		},
		"GET /custom_object_instances/Invoice": func(*http.Request) (int, string) {
			return 404, "{\"type\":\"error.list\",\"errors\":[{\"code\":\"not_found\",\"message\":\"Custom object type `Invoice` not found\"}]}"
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	for _, typ := range []string{"Order", "Invoice"} {
		ok, _, err := c.CustomObjectInstances.TypeExists(context.Background(), typ)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(typ, ok)
	}
	// Output:
	// Order true
	// Invoice false
}
