package surveys

import (
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// The parts of a survey's statistics drawn as charts besides the
// questions': how each street answered against its audience, and how a
// quiz's attempts scored.

// ScoreBucket counts a quiz's submitted attempts scoring From to To (To
// included in the last bucket only, so 100 counts in 90–100).
type ScoreBucket struct {
	From  int   `json:"from"`
	To    int   `json:"to"`
	Count int64 `json:"count"`
}

// scoreBuckets is how many equal ranges the score distribution has.
const scoreBuckets = 10

// histogram sorts scores (score → attempts) into scoreBuckets ranges of
// 0–100; scores outside 0–100 count in the nearest range.
func histogram(scores map[int]int64) []ScoreBucket {
	out := make([]ScoreBucket, scoreBuckets)
	width := 100 / scoreBuckets
	for i := range out {
		out[i] = ScoreBucket{From: i * width, To: (i + 1) * width}
	}
	for score, n := range scores {
		i := min(max(score/width, 0), scoreBuckets-1)
		if score < 0 {
			i = 0
		}
		out[i].Count += n
	}
	return out
}

// byStreet merges the streets that answered with the audience per street
// (both in scope), by street.
func byStreet(answered []StreetStats, audience map[string]int64) []StreetStats {
	seen := map[string]bool{}
	out := []StreetStats{}
	for _, st := range answered {
		st.Audience = audience[st.Street]
		st.ResponseRate = rate(st.Participants, st.Audience)
		out = append(out, st)
		seen[st.Street] = true
	}
	for street, n := range audience {
		if !seen[street] {
			out = append(out, StreetStats{Street: street, Audience: n})
		}
	}
	slices.SortFunc(out, func(a, b StreetStats) int { return strings.Compare(a.Street, b.Street) })
	return out
}

// audienceByStreet counts the survey's audience in scope per street.
func (s *Service) audienceByStreet(tx *gorm.DB, by staff.Scope, sv *Survey) (map[string]int64, error) {
	var rows []struct {
		Street string
		N      int64
	}
	q := by.Filter(sv.Audience.Scope(tx.Table(residents.Table), s.now()), staff.Columns{Street: residents.StreetColumn(rs)})
	if err := q.Select(residents.StreetColumn(rs) + " AS street, COUNT(*) AS n").Group(residents.StreetColumn(rs)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("audience by street: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Street] = r.N
	}
	return out, nil
}
