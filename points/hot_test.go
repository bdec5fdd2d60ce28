package points

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/dbtest"
)

// TestLedgerColumns: the award's hand-written INSERT names the columns
// gorm's Create writes, in its order; a posting written by it with every
// field set reads back, through gorm and through the hand-written read,
// with every field set and equal.
func TestLedgerColumns(t *testing.T) {
	gdb := dbtest.Open(t)
	s := New(Deps{DB: gdb})
	cols := regexp.MustCompile(`(?s)^INSERT INTO \S+ \((.*?)\) VALUES`)
	list := func(q string) string {
		t.Helper()
		m := cols.FindStringSubmatch(q)
		if m == nil {
			t.Fatalf("no column list in %q", q)
		}
		return strings.NewReplacer("`", "", `"`, "", " ", "", "\n", "").Replace(m[1])
	}
	at := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	later := at.Add(24 * time.Hour)
	code, ext, cse, version := "vol", "shift-1", "case-1", 3
	staffID, dept := int64(5), int64(6)
	full := Transaction{Delta: 4, Kind: Earn, Idem: "vol/shift-1", RuleCode: &code, RuleVersion: &version,
		ExternalID: &ext, CaseRef: &cse, Reason: "测试", StaffID: &staffID, DepartmentID: &dept, ExpiresAt: &later,
		AppealDeadline: &later, RestoreExpiresAt: &later, CreatedAt: at}
	dry := full
	gormSQL := gdb.Session(&gorm.Session{DryRun: true}).Create(&dry).Statement.SQL.String()
	if got, want := list(s.ledger.insertSQL), list(gormSQL); got != want {
		t.Fatalf("the award's INSERT writes\n%s\ngorm's Create writes\n%s", got, want)
	}

	id := newResident(t, gdb, "")
	posted := full
	if err := s.insertGrant(ctx, account{residentID: id}, &posted); err != nil {
		t.Fatal(err)
	}
	var viaGorm Transaction
	if err := gdb.Take(&viaGorm, posted.ID).Error; err != nil {
		t.Fatal(err)
	}
	viaHand, err := s.transaction(s.queryRow(ctx), posted.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&viaGorm, viaHand) {
		t.Fatalf("read by hand %+v, by gorm %+v", *viaHand, viaGorm)
	}
	v := reflect.ValueOf(viaGorm)
	for _, f := range s.ledger.read {
		if v.FieldByIndex(f.StructField.Index).IsZero() {
			t.Errorf("column %s reads back empty: not written", f.DBName)
		}
	}
	mustReconcile(t, s)
}
