package openapi

import "github.com/getkin/kin-openapi/openapi3"

// Defects of Intercom's 2.14 description that contradict the behaviour
// Intercom documents, corrected in the loaded document (never in the file,
// which is Intercom's). Each correction is narrow: one property of named
// schemas, and only when it still has the shape the defect had, so that a
// corrected description from Intercom is left alone.
//
//   - Company custom attributes. The schemas company,
//     create_or_update_company_request and update_company_request declare
//     custom_attributes as an object of strings, while Intercom stores and
//     returns values of the attribute's type (integer, float, boolean, date
//     as Unix seconds, string) and takes null to clear one; the
//     description's own examples of these schemas carry
//     {"paid_subscriber": true, "monthly_spend": 155.5, "team_mates": 9}.
//     Corrected to: a string, a number, a boolean or null.
var companyCustomAttributeSchemas = []string{"company", "create_or_update_company_request", "update_company_request"}

// patchCompanies applies the corrections above to doc, before its router is
// built. It reports the schemas it corrected.
func patchCompanies(doc *openapi3.T) []string {
	return widenCustomAttributes(doc, companyCustomAttributeSchemas)
}

// widenCustomAttributes corrects custom_attributes in the named schemas
// where it is still declared an object of strings (the defect) to an object
// of scalarAttributeValue. Companies and custom object instances share the
// defect. It reports the properties it corrected ("schema.custom_attributes").
func widenCustomAttributes(doc *openapi3.T, schemas []string) []string {
	if doc == nil || doc.Components == nil {
		return nil
	}
	var fixed []string
	for _, name := range schemas {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		prop := ref.Value.Properties["custom_attributes"]
		if prop == nil || prop.Value == nil {
			continue
		}
		ap := prop.Value.AdditionalProperties.Schema
		if ap == nil || ap.Value == nil || !ap.Value.Type.Is(openapi3.TypeString) {
			continue // not (or no longer) the defect
		}
		prop.Value.AdditionalProperties.Schema = &openapi3.SchemaRef{Value: scalarAttributeValue()}
		fixed = append(fixed, name+".custom_attributes")
	}
	return fixed
}

// scalarAttributeValue is a custom attribute's value: a string, a number, a
// boolean or null.
func scalarAttributeValue() *openapi3.Schema {
	s := openapi3.NewAnyOfSchema(openapi3.NewStringSchema(), openapi3.NewFloat64Schema(), openapi3.NewBoolSchema())
	s.Nullable = true
	return s
}
