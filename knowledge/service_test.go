package knowledge_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/futian/ifutian/app"
	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
	"github.com/futian/ifutian/knowledge"
	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
	"github.com/futian/ifutian/storage"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func setup(t *testing.T) (*app.Services, context.Context) {
	gdb := dbtest.Open(t)
	box, err := pii.New(bytes.Repeat([]byte{7}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	regions, err := residents.LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Deps{DB: gdb, Box: box, Regions: regions, ResidentTokenTTL: time.Hour, StaffTokenTTL: time.Hour, Store: store,
		BcryptCost: bcrypt.MinCost})
	ctx := context.Background()
	if err := svc.Requests.SeedCategories(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, ctx
}

func member(t *testing.T, svc *app.Services, name string, dept *int64) *staff.Member {
	m, err := svc.Staff.Create(context.Background(), nil, staff.NewMember{Username: name, Password: "password-123456",
		DepartmentID: dept, Roles: []staff.Role{staff.DeptAdmin}}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEntries: staff write their department's entries (bad fields named,
// versions guarded, published ones never deleted); another department's
// answer like missing ones; residents search what is published and valid.
func TestEntries(t *testing.T) {
	svc, ctx := setup(t)
	kb := svc.Knowledge
	d1, err := svc.Staff.CreateDepartment(ctx, "政数局")
	if err != nil {
		t.Fatal(err)
	}
	d2, err := svc.Staff.CreateDepartment(ctx, "住建局")
	if err != nil {
		t.Fatal(err)
	}
	a, b := member(t, svc, "kb_a", &d1.ID), member(t, svc, "kb_b", &d2.ID)
	bad := "2026-02-30"
	_, err = kb.Create(ctx, a, knowledge.Input{Question: " ", Answer: "x", Category: "nope", ValidUntil: &bad, Status: "live"})
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) != 4 {
		t.Fatalf("bad entry: %v %v", err, ae)
	}
	e := must(kb.Create(ctx, a, knowledge.Input{Question: "垃圾几点清运？", Answer: "每天早上七点前清运。", Category: "sanitation"}))
	if e.Status != knowledge.StatusDraft || *e.DepartmentID != d1.ID {
		t.Fatalf("created: %+v", e)
	}
	if hits := must(kb.Search(ctx, "垃圾清运", "", 10)); len(hits) != 0 {
		t.Fatalf("a draft found: %+v", hits)
	}
	if _, err := kb.Find(ctx, b, e.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatalf("another department's get: %v", err)
	}
	if _, err := kb.Update(ctx, b, e.ID, knowledge.Input{Question: "x", Answer: "y"}); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatalf("another department's update: %v", err)
	}
	if list, _ := must2(kb.List(ctx, b, knowledge.Filter{Limit: 10})); len(list) != 0 {
		t.Fatalf("another department lists %d", len(list))
	}
	p := must(kb.Update(ctx, a, e.ID, knowledge.Input{Question: e.Question, Answer: e.Answer, Category: "sanitation",
		Source: "《城市生活垃圾管理办法》", Status: knowledge.StatusPublished, Version: e.Version}))
	if _, err := kb.Update(ctx, a, e.ID, knowledge.Input{Question: "x", Answer: "y", Version: e.Version}); !errors.Is(err, knowledge.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := kb.Update(ctx, a, e.ID, knowledge.Input{Question: "x", Answer: "y", Status: knowledge.StatusDraft}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("back to draft: %v", err)
	}
	if err := kb.Delete(ctx, a, e.ID); !errors.Is(err, knowledge.ErrPublished) {
		t.Fatalf("delete published: %v", err)
	}
	hits := must(kb.Search(ctx, "垃圾清运时间", "", 10))
	if len(hits) != 1 || hits[0].ID != p.ID {
		t.Fatalf("search: %+v", hits)
	}
	if hits := must(kb.Search(ctx, "垃圾", "noise", 10)); len(hits) != 0 {
		t.Fatalf("search in another category: %+v", hits)
	}
	if list, _ := must2(kb.List(ctx, a, knowledge.Filter{Q: "清运", Limit: 10})); len(list) != 1 {
		t.Fatalf("staff search: %d", len(list))
	}
	// Wildcards in a query match themselves.
	if hits := must(kb.Search(ctx, "%", "", 10)); len(hits) != 0 {
		t.Fatalf("'%%' found %d", len(hits))
	}
	d := must(kb.Create(ctx, a, knowledge.Input{Question: "草稿", Answer: "草稿"}))
	if err := kb.Delete(ctx, a, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := kb.Find(ctx, a, d.ID); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
