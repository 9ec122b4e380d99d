package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/plan"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestPlanCommand runs `scheduler plan --out DIR` in-process on two
// sandboxes: it writes both files, and prints the summary.
func TestPlanCommand(t *testing.T) {
	src, us := intercomtest.NewServer(t, intercomtest.Options{Region: "us", Tokens: []string{"src"}, Seed: 4, Contacts: 60})
	_, eu := intercomtest.NewServer(t, intercomtest.Options{Region: "eu", Tokens: []string{"dst"}, Seed: 4, Admins: intercomtest.DefaultAdmins - 1})
	for _, tc := range []struct {
		name    string
		dest    string // INTERCOM_DEST_TOKEN
		args    []string
		want    []string
		hasDest bool
	}{
		{name: "both workspaces", dest: "dst", args: []string{"--dest-url", eu.URL, "--sample", "40"}, hasDest: true,
			want: []string{"source: US workspace " + src.AppID(), "destination: EU workspace", "bulk run", "PROBLEM teammates_missing_in_destination (1 item(s)", "checklist: 35 items", "cutover with 1/1 app(s)"}},
		{name: "source only", dest: "",
			want: []string{"source: US workspace", "The destination was not read", "SKIPPED teammates_missing_in_destination", "bulk run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("INTERCOM_SOURCE_TOKEN", "src")
			t.Setenv("INTERCOM_SOURCE_TOKENS", "")
			t.Setenv("INTERCOM_DEST_TOKEN", tc.dest)
			t.Setenv("INTERCOM_DEST_TOKENS", "")
			dir := filepath.Join(t.TempDir(), "report") // created by the command
			var out bytes.Buffer
			args := append([]string{"--source-url", us.URL, "--out", dir}, tc.args...)
			if err := runPlan(context.Background(), args, &out); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out.String())
			}
			for _, w := range append(tc.want, filepath.Join(dir, plan.MarkdownFile), filepath.Join(dir, plan.JSONFile)) {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "@") {
				t.Errorf("stdout names an email; only the files may:\n%s", out.String())
			}
			md, err := os.ReadFile(filepath.Join(dir, plan.MarkdownFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []string{"# Migration plan", "## Inventory and estimate", "## Checks", "## Checklist", "## Cutover"} {
				if !strings.Contains(string(md), w) {
					t.Errorf("%s lacks %q", plan.MarkdownFile, w)
				}
			}
			buf, err := os.ReadFile(filepath.Join(dir, plan.JSONFile))
			if err != nil {
				t.Fatal(err)
			}
			var rep plan.Report
			if err := json.Unmarshal(buf, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Source.AppID != src.AppID() || (rep.Dest != nil) != tc.hasDest || len(rep.Checklist) != 35 {
				t.Errorf("JSON: source %s, destination %v, %d checklist items", rep.Source.AppID, rep.Dest != nil, len(rep.Checklist))
			}
			for _, e := range rep.Entities {
				if e.Name == "contacts" && e.Count.N != int64(src.Count("contacts")) {
					t.Errorf("JSON: %d contacts, the sandbox has %d", e.Count.N, src.Count("contacts"))
				}
			}
		})
	}
}

// TestPlanBadInput: flags and variables plan must refuse, before any call,
// naming the problem; nothing is written.
func TestPlanBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"unknown --source-region", []string{"--source-region", "mars"}, nil, []string{"--source-region", `"mars"`}},
		{"unknown --dest-region", []string{"--dest-region", "moon"}, nil, []string{"--dest-region", `"moon"`}},
		{"malformed --source-url", []string{"--source-url", "127.0.0.1:8081"}, nil, []string{"--source-url", `"127.0.0.1:8081"`}},
		{"--dest-url with a query", []string{"--dest-url", "http://127.0.0.1:1/?x=1"}, nil, []string{"--dest-url", "query"}},
		{"--sample 0", []string{"--sample", "0"}, nil, []string{"--sample 0", "1..150"}},
		{"--sample above a page", []string{"--sample", "151"}, nil, []string{"--sample 151"}},
		{"--workspace-rate-limit too low", []string{"--workspace-rate-limit", "5"}, nil, []string{"--workspace-rate-limit 5"}},
		{"empty custom object type", []string{"--custom-object-types", "Order,,Shipment"}, nil, []string{"--custom-object-types", "empty item"}},
		{"stray argument", []string{"now"}, nil, []string{"unexpected argument", `"now"`}},
		{"no source token", nil, map[string]string{"INTERCOM_SOURCE_TOKEN": ""}, []string{"source", "INTERCOM_SOURCE_TOKEN"}},
		{"--dest-url without a destination token", []string{"--dest-url", "http://127.0.0.1:1"}, map[string]string{"INTERCOM_DEST_TOKEN": ""},
			[]string{"destination", "INTERCOM_DEST_TOKEN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("INTERCOM_SOURCE_TOKEN", "src")
			t.Setenv("INTERCOM_SOURCE_TOKENS", "")
			t.Setenv("INTERCOM_DEST_TOKEN", "dst")
			t.Setenv("INTERCOM_DEST_TOKENS", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := filepath.Join(t.TempDir(), "report")
			var out bytes.Buffer
			// The URLs lead nowhere: a call would fail with another error.
			args := append([]string{"--source-url", "http://127.0.0.1:1", "--out", dir}, tc.args...)
			err := runPlan(context.Background(), args, &out)
			if err == nil {
				t.Fatalf("%v: no error; output:\n%s", args, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("%s written although the command failed", dir)
			}
		})
	}
}
