package openapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLocate builds a fake checkout: <tmp>/repo (our module) with a nested
// module of another name, and <tmp>/shared/... beside it.
func TestLocate(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	writeFile(t, filepath.Join(repo, "go.mod"), "module github.com/icmigrate/icmigrate\n\ngo 1.26\n")
	writeFile(t, filepath.Join(repo, "tools", "go.mod"), "module example.com/other\n")
	deep := filepath.Join(repo, "tools", "pkg", "x")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	defaultSpec := filepath.Join(tmp, "shared", "intercom-openapi", "2.14", "api.intercom.io.yaml")
	flagSpec := filepath.Join(tmp, "flag.yaml")
	envSpec := filepath.Join(tmp, "env.yaml")
	writeFile(t, flagSpec, "x")
	writeFile(t, envSpec, "x")
	missing := filepath.Join(tmp, "missing.yaml")

	tests := []struct {
		name        string
		flag, env   string
		withDefault bool
		cwd         string
		want        string // "" = error expected
		errHas      []string
	}{
		{name: "flag wins", flag: flagSpec, env: envSpec, withDefault: true, cwd: deep, want: flagSpec},
		{name: "env when no flag", env: envSpec, withDefault: true, cwd: deep, want: envSpec},
		{name: "repo default from a nested package dir", withDefault: true, cwd: deep, want: defaultSpec},
		{name: "repo default from the root", withDefault: true, cwd: repo, want: defaultSpec},
		{name: "missing flag does not fall back", flag: missing, withDefault: true, cwd: deep,
			errHas: []string{missing, "flag", "github.com/intercom/Intercom-OpenAPI", "descriptions/2.14/api.intercom.io.yaml"}},
		{name: "missing env does not fall back", env: missing, withDefault: true, cwd: deep,
			errHas: []string{missing, openapi.EnvSpecPath}},
		{name: "no default file", cwd: deep, errHas: []string{defaultSpec, "repository default"}},
		{name: "outside any checkout", cwd: tmp, errHas: []string{"no go.mod of module github.com/icmigrate/icmigrate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(tmp, "shared"))
			if tc.withDefault {
				writeFile(t, defaultSpec, "x")
			}
			t.Setenv(openapi.EnvSpecPath, tc.env)
			t.Chdir(tc.cwd)
			got, err := openapi.Locate(tc.flag)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("Locate(%q) = %q, %v; want %q", tc.flag, got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, openapi.ErrSpecNotFound) {
				t.Fatalf("Locate(%q) = %q, %v; want ErrSpecNotFound", tc.flag, got, err)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestLoadErrorsAndShared(t *testing.T) {
	if _, err := openapi.Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	path := openapitest.ForTestPath(t)
	a, err := openapi.Shared(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(mustGetwd(t), path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := openapi.Shared(rel)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("Shared returned two validators for the same file")
	}
	if a != openapitest.ForTest(t) {
		t.Fatal("ForTest does not use Shared")
	}
	if got := a.Doc().Servers; len(got) != 1 || got[0].URL != "/" {
		t.Fatalf("servers = %v, want only /", got)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestFindRoute(t *testing.T) {
	v := openapitest.ForTest(t)
	tests := []struct {
		method, url string
		key         string
		params      map[string]string
		err         error
	}{
		{"GET", "https://api.intercom.io/me", "GET /me", nil, nil},
		{"GET", "http://127.0.0.1:41234/contacts?per_page=5", "GET /contacts", nil, nil},
		{"GET", "https://api.eu.intercom.io/contacts/abc123", "GET /contacts/{contact_id}", map[string]string{"contact_id": "abc123"}, nil},
		{"POST", "http://x/contacts/search", "POST /contacts/search", nil, nil},
		{"GET", "http://x/contacts/find_by_external_id/u-1", "GET /contacts/find_by_external_id/{external_id}", map[string]string{"external_id": "u-1"}, nil},
		{"DELETE", "http://x/contacts/c1/tags/77", "DELETE /contacts/{contact_id}/tags/{tag_id}", map[string]string{"contact_id": "c1", "tag_id": "77"}, nil},
		{"GET", "http://x/no/such/thing", "", nil, routers.ErrPathNotFound},
		{"PATCH", "http://x/contacts", "", nil, routers.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.url, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.url, nil)
			route, params, err := v.FindRoute(r)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := openapi.RouteKey(route); got != tc.key {
				t.Errorf("key = %q, want %q", got, tc.key)
			}
			for k, want := range tc.params {
				if params[k] != want {
					t.Errorf("param %s = %q, want %q", k, params[k], want)
				}
			}
		})
	}
}

func TestValidateRequest(t *testing.T) {
	v := openapitest.ForTest(t)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		ok                       bool
		field                    string // expected in Problem's field and message
	}{
		{name: "create contact", method: "POST", path: "/contacts", body: `{"email":"a@example.com","role":"user","custom_attributes":{"plan":"pro"}}`, ok: true},
		{name: "create contact wrong email type", method: "POST", path: "/contacts", body: `{"role":"bogus","email":5}`, field: "email"},
		{name: "create contact without identity", method: "POST", path: "/contacts", body: `{"name":"x"}`},
		{name: "update contact", method: "PUT", path: "/contacts/abc", body: `{"name":null,"owner_id":12}`, ok: true},
		{name: "update contact owner_id string", method: "PUT", path: "/contacts/abc", body: `{"owner_id":"12"}`, field: "owner_id"},
		{name: "tag users (oneOf conflict accepted)", method: "POST", path: "/tags", body: `{"name":"vip","users":[{"id":"abc"}]}`, ok: true},
		{name: "create tag", method: "POST", path: "/tags", body: `{"name":"vip"}`, ok: true},
		{name: "tag users with wrong types", method: "POST", path: "/tags", body: `{"name":5,"users":"x"}`, field: "name"},
		{name: "tag without name", method: "POST", path: "/tags", body: `{"test":"invalid"}`, field: "name"},
		{name: "search single", method: "POST", path: "/contacts/search", body: `{"query":{"field":"email","operator":"=","value":"a@b.c"},"pagination":{"per_page":5}}`, ok: true},
		{name: "search nested groups", method: "POST", path: "/contacts/search", body: `{"query":{"operator":"AND","value":[{"operator":"OR","value":[{"field":"role","operator":"=","value":"user"}]},{"operator":"OR","value":[{"field":"name","operator":"~","value":"a"},{"field":"name","operator":"~","value":"b"}]}]}}`, ok: true},
		// Spec defect: a group's value is oneOf [groups..., filters...], so a
		// group mixing a filter and a nested group is refused; wrap the
		// single filter in a one-element group (previous case) instead.
		{name: "search group mixing filter and group", method: "POST", path: "/contacts/search", body: `{"query":{"operator":"AND","value":[{"field":"role","operator":"=","value":"user"},{"operator":"OR","value":[{"field":"name","operator":"~","value":"a"}]}]}}`, field: "query"},
		// Spec defect: value is oneOf string/integer/boolean/array, so a
		// non-integral number is refused.
		{name: "search float value", method: "POST", path: "/contacts/search", body: `{"query":{"field":"custom_attributes.spend","operator":">","value":1.5}}`, field: "query"},
		{name: "search bad operator", method: "POST", path: "/contacts/search", body: `{"query":{"field":"email","operator":"LIKE","value":"a"}}`, field: "query"},
		{name: "search without query", method: "POST", path: "/contacts/search", body: `{}`, field: "query"},
		{name: "create list attribute", method: "POST", path: "/data_attributes", body: `{"name":"plan","model":"contact","data_type":"options","options":[{"value":"a"},{"value":"b"}]}`, ok: true},
		{name: "create attribute bad type", method: "POST", path: "/data_attributes", body: `{"name":"x","model":"contact","data_type":"mithril"}`, field: "data_type"},
		{name: "list attributes bad model", method: "GET", path: "/data_attributes?model=ticket", field: "model"},
		{name: "version header valid", method: "GET", path: "/me", header: map[string]string{"Intercom-Version": "2.14"}, ok: true},
		{name: "version header absent", method: "GET", path: "/me", ok: true},
		{name: "version header invalid", method: "GET", path: "/me", header: map[string]string{"Intercom-Version": "9.9"}, field: "Intercom-Version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			r := httptest.NewRequest(tc.method, "http://sandbox"+tc.path, body)
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			for k, val := range tc.header {
				r.Header.Set(k, val)
			}
			route, params, err := v.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			err = v.ValidateRequest(context.Background(), r, route, params)
			if tc.ok {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else {
				if err == nil {
					t.Fatal("invalid request accepted")
				}
				field, msg := openapi.Problem(err)
				if tc.field != "" && (field != tc.field || !strings.Contains(msg, tc.field)) {
					t.Errorf("Problem = %q, %q; want the field %q named", field, msg, tc.field)
				}
				if strings.Contains(msg, "\n") || strings.Contains(msg, "Schema:") {
					t.Errorf("message not concise: %q", msg)
				}
			}
			// The body stays readable for the handler, byte for byte.
			if tc.body != "" {
				got, err := io.ReadAll(r.Body)
				if err != nil || string(got) != tc.body {
					t.Errorf("body after validation = %q, %v; want %q", got, err, tc.body)
				}
			}
		})
	}
}

func TestIsOneOfConflict(t *testing.T) {
	conflict := &openapi3.SchemaError{SchemaField: "oneOf", Origin: openapi3.ErrOneOfConflict}
	other := &openapi3.SchemaError{SchemaField: "type", Reason: "value must be a string"}
	// A oneOf that matched none of its alternatives, one of which failed
	// because of a nested conflict: not acceptable.
	noneMatched := &openapi3.SchemaError{SchemaField: "oneOf",
		Origin: fmt.Errorf("doesn't match schema due to: %w", openapi3.MultiError{conflict, other})}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"bare conflict", conflict, true},
		{"conflict in a request error", &openapi3filter.RequestError{Reason: "doesn't match schema", Err: conflict}, true},
		{"conflict wrapped by fmt", fmt.Errorf("ctx: %w", &openapi3filter.RequestError{Err: conflict}), true},
		{"conflict in a response error", &openapi3filter.ResponseError{Err: conflict}, true},
		{"other schema error", &openapi3filter.RequestError{Err: other}, false},
		{"none of the alternatives matched", &openapi3filter.RequestError{Err: noneMatched}, false},
		{"parameter error", &openapi3filter.RequestError{Parameter: &openapi3.Parameter{Name: "x"}, Err: errors.New("bad")}, false},
		{"multi error all conflicts", openapi3.MultiError{conflict, &openapi3filter.RequestError{Err: conflict}}, true},
		{"multi error mixed", openapi3.MultiError{conflict, other}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := openapi.IsOneOfConflict(tc.err); got != tc.want {
				t.Fatalf("IsOneOfConflict(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	v := openapitest.ForTest(t)
	jsonHeader := http.Header{"Content-Type": []string{"application/json; charset=utf-8"}}
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"tag ok", "POST", "/tags", 200, jsonHeader, `{"type":"tag","id":"12","name":"vip"}`, true},
		{"tag id as number", "POST", "/tags", 200, jsonHeader, `{"type":"tag","id":12,"name":"vip"}`, false},
		{"tag list ok", "GET", "/tags", 200, jsonHeader, `{"type":"list","data":[{"type":"tag","id":"1","name":"a"}]}`, true},
		{"tag list wrong type", "GET", "/tags", 200, jsonHeader, `{"type":"tag.list","data":[]}`, false},
		{"contact list pages", "GET", "/contacts", 200, jsonHeader, `{"type":"list","data":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":0}}`, true},
		{"contact owner_id string", "GET", "/contacts/x", 200, jsonHeader, `{"type":"contact","id":"x","owner_id":"12"}`, false},
		{"undeclared status passes", "GET", "/contacts/x", 418, jsonHeader, `{"anything":true}`, true},
		{"declared error status checked", "POST", "/tags", 404, jsonHeader, `{"type":"error.list","errors":[{"message":"no code"}]}`, false},
		{"wrong content type", "GET", "/tags", 200, http.Header{"Content-Type": []string{"text/plain"}}, `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://sandbox"+tc.path, nil)
			route, params, err := v.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			err = v.ValidateResponse(context.Background(), v.RequestInput(r, route, params), tc.status, tc.header, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateResponse err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestValidateComponent(t *testing.T) {
	v := openapitest.ForTest(t)
	tests := []struct {
		schema, body string
		ok           bool
	}{
		{"error", `{"type":"error.list","request_id":"5ef5682e-f66e-40a4-b828-8592175f83b8","errors":[{"code":"not_found","message":"x"}]}`, true},
		{"error", `{"type":"error.list","errors":[{"message":"no code"}]}`, false},
		{"error", `{"type":"error.list"}`, false},
		{"error", `{"type":"error.list","errors":[]} trailing`, false},
		{"tag_basic", `{"type":"tag","id":"1","name":"a"}`, true},
		{"no_such_schema", `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.schema+" "+tc.body, func(t *testing.T) {
			err := v.ValidateComponent(tc.schema, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
