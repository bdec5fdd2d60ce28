package surveys

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// exportBatch is how many rows an export reads from the database at once.
const exportBatch = 1000

// Export is a prepared export of a survey's responses (a quiz's submitted
// attempts), limited to the staff member's streets. Write streams it: rows
// are read in keyset-paginated batches, so memory stays flat whatever the
// number of responses. Answers erased by retention are empty.
type Export struct {
	s     *Service
	sv    *Survey
	by    staff.Scope
	day   string
	items []item
}

// PrepareExport checks that m may export the survey; d ("" for all days)
// narrows it to one district day. Returns ErrNotFound outside m's
// department.
func (s *Service) PrepareExport(ctx context.Context, m *staff.Member, id int64, d string) (*Export, error) {
	tx := s.db.WithContext(ctx)
	by := m.Scope()
	sv, err := s.owned(tx, by, id)
	if err != nil {
		return nil, err
	}
	e := &Export{s: s, sv: sv, by: by, day: d}
	if e.items, err = s.items(tx, sv.ID); err != nil {
		return nil, err
	}
	if sv.Kind == Quiz {
		err = e.prepareQuiz(ctx)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Filename is a download name for the export.
func (e *Export) Filename(ext string) string {
	return fmt.Sprintf("survey-%d-responses.%s", e.sv.ID, ext)
}

// header is the first row, in Chinese: the response's number, the
// resident's, street, community, time, then one column per question (a
// quiz: its score columns, then one per question drawn in any attempt).
func (e *Export) header() []string {
	h := []string{"答卷编号", "居民编号", "街道", "社区", "提交时间"}
	if e.sv.Kind == Quiz {
		h = append(h, "得分", "是否及格", "用时（秒）", "疑似过快", "抽题序号")
	}
	for _, it := range e.items {
		h = append(h, it.Stem)
	}
	return h
}

// prepareQuiz adds the questions a quiz's submitted attempts drew beyond
// its fixed ones (by ID), for one column each.
func (e *Export) prepareQuiz(ctx context.Context) error {
	tx := e.s.db.WithContext(ctx)
	seen := map[int64]bool{}
	for _, it := range e.items {
		seen[it.ID] = true
	}
	var ids []int64
	for after := int64(0); ; {
		var batch []Attempt
		q := e.scope(tx.Select("id", "questions").Where("survey_id = ? AND submitted_at IS NOT NULL AND id > ?", e.sv.ID, after))
		if err := q.Order("id").Limit(exportBatch).Find(&batch).Error; err != nil {
			return fmt.Errorf("export attempts' questions: %w", err)
		}
		for _, a := range batch {
			for _, d := range a.Questions {
				if !seen[d.QuestionID] {
					seen[d.QuestionID] = true
					ids = append(ids, d.QuestionID)
				}
			}
			after = a.ID
		}
		if len(batch) < exportBatch {
			break
		}
	}
	slices.Sort(ids)
	byID, err := e.s.questionsByID(tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if q, ok := byID[id]; ok {
			e.items = append(e.items, item{Question: q})
		}
	}
	return nil
}

// answerCells are a row's answer columns: choices as their text (joined
// with "、"), a number question's answer as a number.
func (e *Export) answerCells(answers map[string][]string) []any {
	out := make([]any, 0, len(e.items))
	for _, it := range e.items {
		vs := answers[strconv.FormatInt(it.ID, 10)]
		if it.Type == Number && len(vs) == 1 {
			if f, err := strconv.ParseFloat(vs[0], 64); err == nil {
				out = append(out, f)
				continue
			}
		}
		out = append(out, strings.Join(vs, "、"))
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// each calls fn with every row after the header, in ID order. Numbers are
// numbers (int, float64); IDs stay text (longer than a spreadsheet's 15
// digits).
func (e *Export) each(ctx context.Context, fn func([]any) error) error {
	tx := e.s.db.WithContext(ctx)
	ts := func(t time.Time) string { return t.In(district.Zone).Format("2006-01-02 15:04:05") }
	for after := int64(0); ; {
		var n int
		if e.sv.Kind == Quiz {
			q := tx.Where("survey_id = ? AND submitted_at IS NOT NULL AND id > ?", e.sv.ID, after)
			q = e.scope(q)
			var batch []Attempt
			if err := q.Order("id").Limit(exportBatch).Find(&batch).Error; err != nil {
				return fmt.Errorf("export attempts: %w", err)
			}
			for _, a := range batch {
				var score any = ""
				if a.Score != nil {
					score = *a.Score
				}
				row := []any{
					strconv.FormatInt(a.ID, 10), strconv.FormatInt(a.ResidentID, 10), a.Street, a.Community,
					ts(*a.SubmittedAt), score, yesNo(a.Passed),
					math.Round(a.SubmittedAt.Sub(a.StartedAt).Seconds()*10) / 10,
					yesNo(a.Fast), strconv.FormatInt(a.Seed, 10),
				}
				row = append(row, e.answerCells(a.Answers)...)
				if err := fn(row); err != nil {
					return err
				}
				after = a.ID
			}
			n = len(batch)
		} else {
			q := tx.Where("survey_id = ? AND id > ?", e.sv.ID, after)
			if e.day != "" {
				q = q.Where("day = ?", e.day)
			}
			q = e.scope(q)
			var batch []Response
			if err := q.Order("id").Limit(exportBatch).Find(&batch).Error; err != nil {
				return fmt.Errorf("export responses: %w", err)
			}
			for _, r := range batch {
				row := []any{
					strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.ResidentID, 10), r.Street, r.Community, ts(r.SubmittedAt),
				}
				row = append(row, e.answerCells(r.Answers)...)
				if err := fn(row); err != nil {
					return err
				}
				after = r.ID
			}
			n = len(batch)
		}
		if n < exportBatch {
			return nil
		}
	}
}

// cellText is a cell as CSV text.
func cellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func (e *Export) scope(q *gorm.DB) *gorm.DB {
	return e.by.Filter(q, staff.Columns{Street: "street"})
}

// WriteCSV streams the export as CSV (UTF-8 with a byte-order mark, so
// spreadsheet programs read the Chinese text right). Multiple choices are
// joined with "、".
func (e *Export) WriteCSV(ctx context.Context, w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	// Question stems are staff-written text too.
	if err := cw.Write(safeCells(e.header())); err != nil {
		return err
	}
	n := 0
	err := e.each(ctx, func(row []any) error {
		n++
		if n%exportBatch == 0 {
			cw.Flush()
		}
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cellText(v)
		}
		return cw.Write(safeCells(cells))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX streams the export as an XLSX workbook through excelize's
// StreamWriter, which spills rows to a temporary file beyond a small
// in-memory buffer. Numbers are written as numbers; every other cell, the
// header's too, as a string value, never as a formula.
func (e *Export) WriteXLSX(ctx context.Context, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	r := 1
	write := func(row []any) error {
		cells := make([]any, len(row))
		copy(cells, row)
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		r++
		return sw.SetRow(cell, cells)
	}
	head := make([]any, 0, len(e.items)+10)
	for _, h := range e.header() {
		head = append(head, h)
	}
	if err := write(head); err != nil {
		return err
	}
	if err := e.each(ctx, write); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// safeCells defuses spreadsheet formulas in free text, answers and
// question stems (CSV injection): a cell starting with = + - @ that is not
// a number gets a leading apostrophe.
func safeCells(row []string) []string {
	for i, v := range row {
		if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				row[i] = "'" + v
			}
		}
	}
	return row
}
