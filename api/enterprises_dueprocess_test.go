package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// inboxTitles returns the titles in a resident's inbox, newest first.
func (e *env) inboxTitles(tok string) []string {
	e.t.Helper()
	rec := e.do("GET", "/api/v1/notices?page_size=100", tok, nil)
	wantStatus(e.t, rec, http.StatusOK)
	var p page[struct{ Title, Body string }]
	decode(e.t, rec, &p)
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.Title)
	}
	return out
}

// countPrefix counts the titles starting with prefix.
func countPrefix(titles []string, prefix string) int {
	n := 0
	for _, t := range titles {
		if strings.HasPrefix(t, prefix) {
			n++
		}
	}
	return n
}

const (
	creditTitle    = "信用记录："
	gradeTitle     = "信用评价："
	objectionTitle = "异议处理结果："
)

// TestDueProcessInbox (issue #16): an enterprise's bound members find in
// their inbox a notice of each credit record, of each grade change and of
// each objection decided; residents not bound (a stranger, an applicant
// still pending) find none; a re-rating that keeps the grade and a
// repeated record tell nothing.
func TestDueProcessInbox(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 61, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	stranger, _ := e.resident("bob")
	applicant, _ := e.resident("carol")
	wantStatus(t, e.do("POST", "/api/v1/enterprises/bindings", applicant, map[string]string{"uscc": uscc, "role": "agent"}), http.StatusCreated)
	nobodyElse := func(t *testing.T) {
		t.Helper()
		for _, tok := range []string{stranger, applicant} {
			if got := e.inboxTitles(tok); len(got) != 0 {
				t.Fatalf("a resident not bound was told %v", got)
			}
		}
	}
	// One time for every record: a repeat of a case must be the same
	// content, and a time taken per call would differ across a second's
	// boundary (the case then conflicts: 409).
	occurred := time.Now().Add(-time.Hour).Format(time.RFC3339)
	post := func(kind, severity, caseRef string) *httptest.ResponseRecorder {
		return e.do("POST", "/api/v1/admin/credit-records", officer, map[string]string{
			"uscc": uscc, "kind": kind, "severity": severity, "occurred_at": occurred, "case_ref": caseRef,
		})
	}

	var penaltyID string
	t.Run("RecordChangingTheGrade", func(t *testing.T) {
		rec := post("penalty", "general", "深福监罚〔2026〕7号") // 85 − 15 = 70: B → C
		wantStatus(t, rec, http.StatusCreated)
		var r struct{ ID string }
		decode(t, rec, &r)
		penaltyID = r.ID
		got := e.inboxTitles(member)
		if len(got) != 2 || !strings.HasPrefix(got[0], gradeTitle) || !strings.Contains(got[0], "由 B 级变为 C 级") || !strings.HasPrefix(got[1], creditTitle) {
			t.Fatalf("member's inbox %v", got)
		}
		nobodyElse(t)
	})
	t.Run("RecordKeepingTheGrade", func(t *testing.T) {
		wantStatus(t, post("complaint", "minor", "深福投〔2026〕8号"), http.StatusCreated) // 68: still C
		got := e.inboxTitles(member)
		if len(got) != 3 || !strings.HasPrefix(got[0], creditTitle) || countPrefix(got, gradeTitle) != 1 {
			t.Fatalf("member's inbox %v", got)
		}
		// The same case again is the same record: nothing new is told.
		wantStatus(t, post("complaint", "minor", "深福投〔2026〕8号"), http.StatusOK)
		if got := e.inboxTitles(member); len(got) != 3 {
			t.Fatalf("after a repeat, member's inbox %v", got)
		}
		// So is a re-rating with nothing due.
		if _, err := e.enterprises.RerateDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := e.inboxTitles(member); len(got) != 3 {
			t.Fatalf("after re-rating, member's inbox %v", got)
		}
		nobodyElse(t)
	})
	t.Run("ObjectionDecided", func(t *testing.T) {
		rec := e.do("POST", "/api/v1/enterprises/"+uscc+"/objections", member, map[string]string{"factor_id": penaltyID, "reason": "罚款已缴清"})
		wantStatus(t, rec, http.StatusCreated)
		var o struct{ ID string }
		decode(t, rec, &o)
		wantStatus(t, e.do("POST", "/api/v1/admin/objections/"+o.ID+"/decide", officer, map[string]any{"approve": true, "reason": "已核实"}), http.StatusOK)
		got := e.inboxTitles(member)
		if len(got) != 5 || !strings.HasPrefix(got[0], gradeTitle) || !strings.Contains(got[0], "由 C 级变为 B 级") ||
			!strings.HasPrefix(got[1], objectionTitle) || !strings.Contains(got[1], "异议成立") {
			t.Fatalf("member's inbox %v", got)
		}
		nobodyElse(t)
	})
}

// TestDueProcessConcurrentRecords: many officers recording the same case at
// once (and retrying) write one record and tell the members once; the
// transactions that lost and rolled back left no notice behind.
func TestDueProcessConcurrentRecords(t *testing.T) {
	e := newEnv(t)
	officer := e.officer()
	uscc := e.registerEnterprise(officer, 62, "软件")
	member, _ := e.resident("alice")
	e.bind(officer, member, uscc)
	body := map[string]string{"uscc": uscc, "kind": "penalty", "severity": "serious", "occurred_at": "2026-01-05T10:00:00+08:00", "case_ref": "深福罚〔2026〕99号"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 12 {
		wg.Go(func() {
			rec := e.do("POST", "/api/v1/admin/credit-records", officer, body)
			mu.Lock()
			statuses[rec.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 11 {
		t.Fatalf("statuses %v, want one 201 and eleven 200", statuses)
	}
	got := e.inboxTitles(member)
	if countPrefix(got, creditTitle) != 1 || countPrefix(got, gradeTitle) != 1 || len(got) != 2 {
		t.Fatalf("member's inbox %v, want one record and one grade change", got)
	}
	var notices int64
	e.db.Raw("SELECT COUNT(*) FROM notices WHERE source LIKE 'enterprise-%'").Scan(&notices)
	if notices != 2 {
		t.Fatalf("%d due-process notices stored, want 2", notices)
	}
}
