package openapi

import "github.com/getkin/kin-openapi/openapi3"

// patchCustomObjects corrects the custom object instance routes of
// Intercom's 2.14 description where they contradict the behaviour Intercom
// documents. Each fix is applied only when the defect is found, so a
// corrected description is left as it is.
//
//   - GET /custom_object_instances/{custom_object_type_identifier} marks
//     external_id required. Intercom serves the route without it too, as a
//     list of the type's instances paged by page and per_page (at most 150),
//     and has documented that since: its OpenAPI repository, pull request
//     461, "external_id was incorrectly marked required: true". Made
//     optional, page and per_page declared, and the answer is the instance
//     or the list.
//   - Instance custom attributes are declared an object of strings, while
//     Intercom's own examples of these routes carry numbers
//     ("total_amount": 99.99) and its later references say each value comes
//     with its attribute's type (string, integer, number, boolean) or null.
//     Widened to those, in the instance and in the request.
func patchCustomObjects(doc *openapi3.T) {
	if doc == nil || doc.Paths == nil || doc.Components == nil {
		return
	}
	if item := doc.Paths.Find("/custom_object_instances/{custom_object_type_identifier}"); item != nil && item.Get != nil {
		op := item.Get
		fixed := false
		for _, p := range op.Parameters {
			if v := p.Value; v != nil && v.In == "query" && v.Name == "external_id" && v.Required {
				v.Required = false
				fixed = true
			}
		}
		if fixed {
			perPage := openapi3.NewIntegerSchema().WithMin(1).WithMax(150)
			op.Parameters = append(op.Parameters,
				&openapi3.ParameterRef{Value: openapi3.NewQueryParameter("page").WithSchema(openapi3.NewIntegerSchema().WithMin(1))},
				&openapi3.ParameterRef{Value: openapi3.NewQueryParameter("per_page").WithSchema(perPage)})
			if r := op.Responses.Status(200); r != nil && r.Value != nil {
				if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					list := openapi3.NewObjectSchema().
						WithProperty("type", openapi3.NewStringSchema().WithEnum("list")).
						WithProperty("total_count", openapi3.NewIntegerSchema()).
						WithPropertyRef("data", openapi3.NewArraySchema().WithItems(mt.Schema.Value).NewRef())
					if pages := doc.Components.Schemas["cursor_pages"]; pages != nil {
						list.Properties["pages"] = pages
					}
					list.Required = []string{"type", "data"}
					mt.Schema = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{list.NewRef(), mt.Schema}}}
				}
			}
		}
	}
	widenCustomAttributes(doc, []string{"custom_object_instance", "create_or_update_custom_object_instance_request"})
}
