package intercomtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
)

// Field helpers shared by the write handlers (contacts, companies, custom
// object instances): the same rules and the same error answers everywhere.

// invalid answers 400 parameter_invalid naming field.
func (q *request) invalid(field, msg string) (int, any) {
	return q.failField(http.StatusBadRequest, CodeParameterInvalid, msg, field)
}

// timestampField is a request field holding Unix seconds, and where it goes.
type timestampField struct {
	name string
	dst  *int64
}

// setTimestamps applies the present ones of fields: null clears to 0, and
// anything but a non-negative integer is answered 400. Status 0 when all
// is well.
func (q *request) setTimestamps(fields map[string]json.RawMessage, list ...timestampField) (int, any) {
	for _, f := range list {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if isNull(raw) {
			*f.dst = 0
			continue
		}
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil || n < 0 {
			return q.invalid(f.name, f.name+" must be a Unix timestamp (seconds) or null")
		}
		*f.dst = n
	}
	return 0, nil
}

// setCustomAttributes applies custom_attributes (absent or null: nothing)
// name by name, in name order, with set, which returns why a value is
// refused ("" when it is taken). The first refusal is answered 400 naming
// custom_attributes.<name>; the attributes before it stay set.
func (q *request) setCustomAttributes(fields map[string]json.RawMessage, set func(name string, raw json.RawMessage) string) (int, any) {
	raw, ok := fields["custom_attributes"]
	if !ok || isNull(raw) {
		return 0, nil
	}
	var custom map[string]json.RawMessage
	if err := json.Unmarshal(raw, &custom); err != nil {
		return q.invalid("custom_attributes", "custom_attributes must be an object")
	}
	for _, name := range sortedKeys(custom) {
		if msg := set(name, custom[name]); msg != "" {
			return q.invalid("custom_attributes."+name, msg)
		}
	}
	return 0, nil
}

// decodeValue decodes an attribute's JSON value, numbers as json.Number;
// null is nil.
func decodeValue(raw json.RawMessage) (any, error) {
	if isNull(raw) {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, errors.New("has an invalid value")
	}
	return v, nil
}

// setDataAttributes applies custom_attributes against the workspace's data
// attributes of a model (contact or company) with set.
func (q *request) setDataAttributes(fields map[string]json.RawMessage, model string, set func(attr int64, v any)) (int, any) {
	attrs := q.s.attrs()
	return q.setCustomAttributes(fields, func(name string, raw json.RawMessage) string {
		a := attrs.lookupCustom(model, name)
		if a == nil {
			return "Custom attribute '" + name + "' does not exist"
		}
		v, err := customValueOf(a, raw)
		if err != nil {
			return "Custom attribute '" + name + "' " + err.Error()
		}
		set(a.id, v)
		return ""
	})
}
