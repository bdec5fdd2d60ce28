package points

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/dbtest"
	"github.com/futian/ifutian/staff"
)

// BenchmarkAward measures Award alone (no HTTP) from 32 goroutines;
// BenchmarkBareInsertUpdate the plain insert-plus-update it is compared to
// by `ifutian bench points`.
func BenchmarkAward(b *testing.B) {
	for _, caps := range []int{0, 1000} {
		b.Run(fmt.Sprintf("caps=%d", caps), func(b *testing.B) {
			gdb := dbtest.Open(b)
			s := New(Deps{DB: gdb})
			mustRule(b, s, Rule{Code: "bench", Name: "b", Points: 1, DailyCap: caps, Expiry: ExpiryEndOfNextYear})
			ids := make([]int64, 500)
			for i := range ids {
				ids[i] = newResident(b, gdb, "")
			}
			var seq atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := ids[rand.IntN(len(ids))]
					if _, _, err := s.Grant(ctx, staff.DistrictScope(), AwardRequest{ResidentID: id, RuleCode: "bench", ExternalID: fmt.Sprint(seq.Add(1))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkBareInsertUpdate(b *testing.B) {
	gdb := dbtest.Open(b)
	if db.DialectOf(gdb) != db.MySQL {
		b.Skip("needs MySQL (CREATE TABLE … LIKE); run with " + dbtest.EnvMySQL)
	}
	ids := make([]int64, 500)
	now := time.Now().UTC()
	for i := range ids {
		ids[i] = newResident(b, gdb, "")
		gdb.Exec("INSERT INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at) VALUES (?, 0, 0, 0, ?, ?)", ids[i], now, now)
	}
	gdb.Exec("CREATE TABLE bare_ledger LIKE point_transactions")
	sqlDB := db.SQL(gdb)
	var seq atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[rand.IntN(len(ids))]
			tx, err := sqlDB.Begin()
			if err != nil {
				b.Error(err)
				return
			}
			tx.Exec("INSERT INTO bare_ledger (resident_id, delta, balance_after, kind, idem, reason, created_at) VALUES (?, 1, 0, 'earn', ?, '', ?)", id, fmt.Sprint(seq.Add(1)), now)
			tx.Exec("UPDATE point_accounts SET balance = balance + 1, version = version + 1 WHERE resident_id = ?", id)
			if err := tx.Commit(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	gdb.Exec("DROP TABLE bare_ledger")
}
