package notify

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/residents"
)

// FuzzAudience parses arbitrary audience JSON; whatever validates must
// also count without a database error.
func FuzzAudience(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"streets":["华富街道"],"age_min":60}`, `{"age_min":70,"age_max":60}`,
		`{"resident_ids":["1","2"]}`, `{"resident_ids":[1]}`, `{"enterprise_grades":["A","E"]}`,
		`{"tags":["志愿者"],"communities":["田面社区"],"enterprise_industries":["餐饮"]}`,
		`{"streets":["'; DROP TABLE residents; --"]}`,
	} {
		f.Add(seed)
	}
	regions, err := residents.LoadRegions()
	if err != nil {
		f.Fatal(err)
	}
	s := New(Deps{DB: dbtest.Open(f)})
	f.Fuzz(func(t *testing.T, raw string) {
		var a Audience
		if json.Unmarshal([]byte(raw), &a) != nil {
			return
		}
		if a.Validate(regions, "audience.") != nil {
			return
		}
		if _, err := s.CountAudience(context.Background(), a); err != nil {
			t.Fatalf("valid audience %s: %v", raw, err)
		}
	})
}
