package openapi

import "github.com/getkin/kin-openapi/openapi3"

// patchEventsAndNotes corrects parts of Intercom's 2.14 description that
// contradict Intercom's documented behaviour (the text of the same
// description), so that the sandbox validates what Intercom accepts and
// sends. Each fix is applied only when the defect is found, so a corrected
// description is left as it is.
//
//   - POST /contacts/{contact_id}/notes declares contact_id an integer;
//     contact ids are 24 hexadecimal digits ("6762f0ad1bb69f9f2193bb62",
//     the operation's own examples). Made a string, like every other
//     contact_id.
//   - GET /events takes its contact as a required query parameter "filter",
//     an exploded form object whose schema is a oneOf of three objects
//     (user_id, intercom_user_id, email). Intercom's requests are
//     ?type=user&intercom_user_id=... (the operation's description); the
//     validator cannot decode a oneOf of exploded objects and refuses every
//     request. Replaced by the three optional query parameters; the sandbox
//     requires exactly one.
//   - GET /events answers the schema data_event_summary only, whose "type"
//     is "event.summary": that is the answer with summary=true. Without it
//     Intercom answers an "event.list" (the schema data_event_list, which
//     the description defines and no operation uses). The answer is either.
//   - Event metadata values are declared strings, while the description of
//     POST /events documents numbers, dates (numbers), links, rich links
//     ({"url", "value"}) and monetary amounts ({"amount", "currency"}).
//     Widened to those.
func patchEventsAndNotes(doc *openapi3.T) {
	if doc.Paths == nil {
		return
	}
	if item := doc.Paths.Find("/contacts/{contact_id}/notes"); item != nil && item.Post != nil {
		for _, p := range item.Post.Parameters {
			if v := p.Value; v != nil && v.In == "path" && v.Name == "contact_id" && v.Schema != nil &&
				v.Schema.Value != nil && v.Schema.Value.Type.Is("integer") {
				v.Schema = openapi3.NewStringSchema().NewRef()
			}
		}
	}
	if item := doc.Paths.Find("/events"); item != nil && item.Get != nil {
		op := item.Get
		var params openapi3.Parameters
		replaced := false
		for _, p := range op.Parameters {
			if v := p.Value; v != nil && v.In == "query" && v.Name == "filter" {
				replaced = true
				for _, name := range []string{"user_id", "intercom_user_id", "email"} {
					params = append(params, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithSchema(openapi3.NewStringSchema())})
				}
				continue
			}
			params = append(params, p)
		}
		if replaced {
			op.Parameters = params
		}
		if r := op.Responses.Status(200); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Ref == "#/components/schemas/data_event_summary" {
				if list := doc.Components.Schemas["data_event_list"]; list != nil {
					mt.Schema = &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{list, mt.Schema}}}
				}
			}
		}
	}
	value := metadataValueSchema()
	widen := func(s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		if md := s.Value.Properties["metadata"]; md != nil && md.Value != nil {
			if ap := md.Value.AdditionalProperties.Schema; ap != nil && ap.Value != nil && ap.Value.Type.Is("string") {
				md.Value.AdditionalProperties.Schema = value
			}
		}
	}
	for _, name := range []string{"create_data_event_request", "data_event"} {
		widen(doc.Components.Schemas[name])
	}
	if list := doc.Components.Schemas["data_event_list"]; list != nil && list.Value != nil {
		if ev := list.Value.Properties["events"]; ev != nil && ev.Value != nil {
			widen(ev.Value.Items)
		}
	}
}

// metadataValueSchema is what Intercom documents as an event metadata value.
func metadataValueSchema() *openapi3.SchemaRef {
	richLink := openapi3.NewObjectSchema().
		WithProperty("url", openapi3.NewStringSchema()).
		WithProperty("value", openapi3.NewStringSchema())
	richLink.Required = []string{"url", "value"}
	money := openapi3.NewObjectSchema().
		WithProperty("amount", openapi3.NewIntegerSchema()).
		WithProperty("currency", openapi3.NewStringSchema())
	money.Required = []string{"amount", "currency"}
	return &openapi3.SchemaRef{Value: &openapi3.Schema{AnyOf: openapi3.SchemaRefs{
		openapi3.NewStringSchema().NewRef(), openapi3.NewFloat64Schema().NewRef(), richLink.NewRef(), money.NewRef(),
	}}}
}
