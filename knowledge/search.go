package knowledge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/district"
)

// MaxTerms is how many search terms one query uses at most.
const MaxTerms = 24

// MaxQuery is the longest query, in characters.
const MaxQuery = 100

// Terms splits a query into search terms: its words (runs of letters and
// digits, lower-cased), and for a Chinese word longer than two characters
// (written without spaces) also its two-character pieces, so "垃圾清运时间"
// finds an entry about "垃圾清运". One-character terms are left out unless
// the query has nothing else. It is pure.
func Terms(q string) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range q {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			cur = append(cur, r)
			continue
		}
		flush()
	}
	flush()
	seen := map[string]bool{}
	var out, short []string
	add := func(t string) {
		if seen[t] || len(out) >= MaxTerms {
			return
		}
		seen[t] = true
		if utf8.RuneCountInString(t) < 2 {
			short = append(short, t)
			return
		}
		out = append(out, t)
	}
	for _, w := range words {
		add(w)
		rs := []rune(w)
		if len(rs) > 2 && hasHan(rs) {
			for i := 0; i+2 <= len(rs); i++ {
				add(string(rs[i : i+2]))
			}
		}
	}
	if len(out) == 0 {
		return short
	}
	return out
}

func hasHan(rs []rune) bool {
	for _, r := range rs {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Score ranks an entry for a query: the whole query in the question counts
// most, then each term the question holds, then each term the answer
// holds. 0: no term matches. It is pure.
func Score(question, answer, q string, terms []string) int {
	question, answer = strings.ToLower(question), strings.ToLower(answer)
	score := 0
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" && strings.Contains(question, q) {
		score += 10
	}
	for _, t := range terms {
		if strings.Contains(question, t) {
			score += 3
		}
		if strings.Contains(answer, t) {
			score++
		}
	}
	return score
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// matchAny is the condition "the question or the answer holds a term".
func matchAny(gdb *gorm.DB, terms []string) *gorm.DB {
	c := gdb.Where("1 = 0")
	for _, t := range terms {
		p := "%" + likeEscape(t) + "%"
		c = c.Or("LOWER(question) LIKE ? ESCAPE '!'", p).Or("LOWER(answer) LIKE ? ESCAPE '!'", p)
	}
	return c
}

// Hit is a published entry found for a resident.
type Hit struct {
	ID         int64   `json:"id,string"`
	Question   string  `json:"question"`
	Answer     string  `json:"answer"`
	Category   string  `json:"category"`
	Source     string  `json:"source"`
	ValidUntil *string `json:"valid_until"`
}

func hitOf(e *Entry) Hit {
	return Hit{ID: e.ID, Question: e.Question, Answer: e.Answer, Category: e.Category, Source: e.Source, ValidUntil: e.ValidUntil}
}

// searchPool is how many matching entries a search ranks at most.
const searchPool = 500

// Search finds the published entries valid today that match the query (or
// every one, newest first, for an empty query), of a category if given
// (entries of no category count for every category), best first. Returns an invalid_argument error naming q for a query too
// long.
func (s *Service) Search(ctx context.Context, q, category string, limit int) ([]Hit, error) {
	if utf8.RuneCountInString(q) > MaxQuery {
		return nil, apperr.Field("q", "不能多于 100 个字")
	}
	terms := Terms(q)
	if len(terms) == 0 && strings.TrimSpace(q) != "" {
		return []Hit{}, nil // only punctuation: nothing to look for
	}
	today := district.Date(s.clock())
	sel := s.db.WithContext(ctx).Model(&Entry{}).
		Where("status = ? AND (valid_until IS NULL OR valid_until >= ?)", StatusPublished, today)
	if category != "" {
		sel = sel.Where("category IN ?", []string{category, ""}) // an entry of no category holds for every one
	}
	if len(terms) > 0 {
		sel = sel.Where(matchAny(s.db, terms))
	}
	var es []Entry
	if err := sel.Order("id DESC").Limit(searchPool).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("search knowledge: %w", err)
	}
	type ranked struct {
		e     *Entry
		score int
	}
	rs := make([]ranked, 0, len(es))
	for i := range es {
		sc := Score(es[i].Question, es[i].Answer, q, terms)
		if len(terms) > 0 && sc == 0 {
			continue
		}
		rs = append(rs, ranked{&es[i], sc})
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].score > rs[j].score })
	if len(rs) > limit {
		rs = rs[:limit]
	}
	out := make([]Hit, len(rs))
	for i, r := range rs {
		out[i] = hitOf(r.e)
	}
	return out, nil
}

// Public returns a published entry valid today, as residents read it.
// Returns ErrNotFound otherwise.
func (s *Service) Public(ctx context.Context, id int64) (*Hit, error) {
	var e Entry
	err := s.db.WithContext(ctx).Take(&e, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !e.Valid(district.Date(s.clock()))) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("knowledge entry: %w", err)
	}
	h := hitOf(&e)
	return &h, nil
}

// Ref is how an answer shows the entry it quotes.
type Ref struct {
	ID       int64  `json:"id,string"`
	Question string `json:"question"`
	Source   string `json:"source"`
}

// Quotable returns the reference to an entry an answer may quote: one
// published and valid today (any department's: the knowledge base is
// public). Returns an invalid_argument error naming knowledge_id
// otherwise.
func (s *Service) Quotable(ctx context.Context, id int64) (*Ref, error) {
	h, err := s.Public(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, apperr.Field("knowledge_id", "知识条目不存在、未发布或已过期")
	}
	if err != nil {
		return nil, err
	}
	return &Ref{ID: h.ID, Question: h.Question, Source: h.Source}, nil
}

// Refs returns the references of entries answers quoted, whatever their
// status now (an answer keeps showing what it quoted).
func (s *Service) Refs(ctx context.Context, ids []int64) (map[int64]Ref, error) {
	out := map[int64]Ref{}
	if len(ids) == 0 {
		return out, nil
	}
	var es []Entry
	if err := s.db.WithContext(ctx).Select("id, question, source").Where("id IN ?", ids).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("knowledge refs: %w", err)
	}
	for _, e := range es {
		out[e.ID] = Ref{ID: e.ID, Question: e.Question, Source: e.Source}
	}
	return out, nil
}
