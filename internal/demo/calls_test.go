package demo

import (
	"reflect"
	"testing"
)

func TestWritesByEntity(t *testing.T) {
	tests := []struct {
		name  string
		calls map[string]int
		want  []EntityCost
	}{
		{"empty", nil, []EntityCost{}},
		{"reads are not writes", map[string]int{"GET /contacts": 5}, []EntityCost{}},
		{"longest prefix wins", map[string]int{
			"POST /contacts": 10, "POST /contacts/{contact_id}/companies": 4, "POST /contacts/{contact_id}/notes": 2,
			"POST /conversations": 1, "POST /conversations/{conversation_id}/reply": 7, "POST /messages": 1,
			"PUT /conversations/{conversation_id}": 2, "POST /weird": 3,
		}, []EntityCost{{"company_contacts", 4}, {"contacts", 10}, {"conversations", 11}, {"notes", 2}, {"other", 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WritesByEntity(tt.calls); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
