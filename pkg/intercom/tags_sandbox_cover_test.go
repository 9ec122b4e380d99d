package intercom_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// sandboxClient starts a validated sandbox (requests and responses checked
// against Intercom's OpenAPI description) and a client of it.
func sandboxClient(t *testing.T, opts intercomtest.Options) *intercom.Client {
	t.Helper()
	sb, srv := intercomtest.NewServer(t, opts)
	c, err := intercom.NewClient(sb.Tokens()[0], intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tagIDs(tags []*intercom.Tag) []string {
	ids := make([]string, 0, len(tags))
	for _, t := range tags {
		ids = append(ids, t.ID)
	}
	return ids
}

// TestRemoveTagSandbox: a tag removed from a contact is gone from its tags;
// removing it again, or from a contact that does not exist, is a
// *NotFoundError.
func TestRemoveTagSandbox(t *testing.T) {
	ctx := context.Background()
	c := sandboxClient(t, intercomtest.Options{Seed: 11, Contacts: 5, Entities: []string{"contacts"}})
	l, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil || len(l.Data) != 1 {
		t.Fatalf("list: %v", err)
	}
	contact := l.Data[0].ID
	tag, _, err := c.Tags.TagContacts(ctx, "cover-untag", []string{contact})
	if err != nil {
		t.Fatal(err)
	}
	tags, _, err := c.Contacts.ListTags(ctx, contact)
	if err != nil || !slices.Contains(tagIDs(tags), tag.ID) {
		t.Fatalf("tag %s not applied: %v %v", tag.ID, tagIDs(tags), err)
	}

	removed, resp, err := c.Contacts.RemoveTag(ctx, contact, tag.ID)
	if err != nil {
		t.Fatal(err)
	}
	if removed.ID != tag.ID || removed.Name != "cover-untag" || resp.Rate.Limit == 0 {
		t.Errorf("removed %+v, rate %+v", removed, resp.Rate)
	}
	tags, _, err = c.Contacts.ListTags(ctx, contact)
	if err != nil || slices.Contains(tagIDs(tags), tag.ID) {
		t.Fatalf("tag %s still applied: %v %v", tag.ID, tagIDs(tags), err)
	}

	for name, call := range map[string][2]string{
		"removed twice":   {contact, tag.ID},
		"unknown contact": {"6762f0dd1bb69f9f21930000", tag.ID},
	} {
		got, resp, err := c.Contacts.RemoveTag(ctx, call[0], call[1])
		var nf *intercom.NotFoundError
		if !errors.As(err, &nf) || got != nil || resp == nil || resp.StatusCode != 404 {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
}

// TestUntagCompaniesSandbox: untagging companies in bulk removes the tag
// from each of them and leaves their other tags; an unknown company fails
// the call.
func TestUntagCompaniesSandbox(t *testing.T) {
	ctx := context.Background()
	c := sandboxClient(t, intercomtest.Options{Seed: 12, Contacts: 5, Entities: []string{"contacts", "companies"}})
	var ids []string
	for _, cid := range []string{"cover-1", "cover-2"} {
		co, _, err := c.Companies.CreateOrUpdate(ctx, &intercom.CompanyRequest{CompanyID: cid, Name: cid})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, co.ID)
	}
	keep, _, err := c.Tags.TagCompanies(ctx, "cover-keep", ids)
	if err != nil {
		t.Fatal(err)
	}
	drop, _, err := c.Tags.TagCompanies(ctx, "cover-drop", ids)
	if err != nil {
		t.Fatal(err)
	}

	got, _, err := c.Tags.UntagCompanies(ctx, "cover-drop", ids)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != drop.ID || got.Name != "cover-drop" {
		t.Errorf("untag answered %+v, want the tag %s", got, drop.ID)
	}
	for _, id := range ids {
		co, _, err := c.Companies.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tags := co.TagIDs(); !slices.Contains(tags, keep.ID) || slices.Contains(tags, drop.ID) {
			t.Errorf("company %s has tags %v: want %s kept and %s gone", id, tags, keep.ID, drop.ID)
		}
	}

	_, resp, err := c.Tags.UntagCompanies(ctx, "cover-keep", []string{ids[0], "0000000000000000deadbeef"})
	var nf *intercom.NotFoundError
	if !errors.As(err, &nf) || resp == nil {
		t.Fatalf("unknown company: %v", err)
	}
	// Nothing was untagged by the refused call.
	co, _, err := c.Companies.Get(ctx, ids[0])
	if err != nil || !slices.Contains(co.TagIDs(), keep.ID) {
		t.Errorf("company %s lost %s in a refused call: %v %v", ids[0], keep.ID, co.TagIDs(), err)
	}
}
