package intercomtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestInvalidContacts: seeded invalid contacts are readable, and the same
// data written back is refused with 400 naming the email.
func TestInvalidContacts(t *testing.T) {
	sb, srv := NewServer(t, Options{Contacts: 300, InvalidContacts: 7, Seed: 5})
	recs, err := sb.Records("contacts")
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, r := range recs {
		var c struct{ Email string }
		json.Unmarshal(r, &c)
		if strings.Contains(c.Email, "@@") {
			bad = append(bad, c.Email)
		}
	}
	if len(bad) != 7 {
		t.Fatalf("%d invalid contacts seeded, want 7 (some may have been leads: the count must be exact)", len(bad))
	}
	body, _ := json.Marshal(map[string]string{"role": "user", "email": "x" + bad[0]})
	req, _ := http.NewRequest("POST", srv.URL+"/contacts", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("writing an invalid email: %d, want 400", resp.StatusCode)
	}
}
