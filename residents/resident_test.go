package residents

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/internal/pii"
)

func newService(t *testing.T) *Service {
	t.Helper()
	box, err := pii.New(bytes.Repeat([]byte{3}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	regions, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	return New(Deps{DB: dbtest.Open(t), Regions: regions, Box: box})
}

func TestRegions(t *testing.T) {
	r, err := LoadRegions()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(r.Streets), 10; got != want {
		t.Fatalf("streets=%d, want %d", got, want)
	}
	seen := map[string]bool{}
	for _, s := range r.Streets {
		for _, c := range s.Communities {
			if seen[c] {
				t.Fatalf("community %s in two streets", c)
			}
			seen[c] = true
			if r.StreetOf(c) != s.Name {
				t.Fatalf("StreetOf(%s)=%s", c, r.StreetOf(c))
			}
		}
	}
}

// TestConcurrentFirstLogin: many simultaneous first logins with one openid
// make exactly one resident.
func TestConcurrentFirstLogin(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]int64, 16)
	errs := make([]error, 16)
	for i := range ids {
		wg.Go(func() {
			r, _, err := s.Login(ctx, "mock_race", "")
			errs[i] = err
			if err == nil {
				ids[i] = r.ID
			}
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("logins made residents %d and %d", ids[0], ids[i])
		}
	}
}

func TestUpdate(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	r, _, _ := s.Login(ctx, "mock_u", "")
	st := s.regions.Streets[2]
	street, community := st.Name, st.Communities[0]
	got, err := s.Update(ctx, r.ID, Patch{Street: &street, Community: &community})
	if err != nil || got.Street != street || got.Community != community {
		t.Fatalf("Update=%+v, %v", got, err)
	}
	other := s.regions.Streets[3].Name
	got, err = s.Update(ctx, r.ID, Patch{Street: &other})
	if err != nil || got.Street != other || got.Community != "" {
		t.Fatalf("moving street kept a foreign community: %+v, %v", got, err)
	}
	if _, err := s.Update(ctx, 999, Patch{Street: &other}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of unknown resident: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	r, _, _ := s.Login(ctx, "mock_d", "")
	if _, err := s.SetPhone(ctx, r.ID, "13500000000"); err != nil {
		t.Fatal(err)
	}
	erased := false
	s.hooks.Erasers = append(s.hooks.Erasers, func(_ *gorm.DB, id int64) error { erased = id == r.ID; return nil })
	if err := s.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if !erased {
		t.Fatal("eraser hook not run")
	}
	if _, err := s.FindByID(ctx, r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted resident found: %v", err)
	}
	if _, err := s.FindByPhone(ctx, "13500000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted resident found by phone: %v", err)
	}
	if err := s.Delete(ctx, r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}
