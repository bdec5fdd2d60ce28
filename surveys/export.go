package surveys

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
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
	if sv.Kind != Quiz {
		if e.items, err = s.items(tx, sv.ID); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Filename is a download name for the export.
func (e *Export) Filename(ext string) string {
	return fmt.Sprintf("survey-%d-responses.%s", e.sv.ID, ext)
}

// header is the first row: response id, resident id, street, community,
// submitted_at, then one column per question (a quiz: its score columns).
func (e *Export) header() []string {
	h := []string{"response_id", "resident_id", "street", "community", "submitted_at"}
	if e.sv.Kind == Quiz {
		return append(h, "score", "passed", "duration_s", "fast", "seed")
	}
	for _, it := range e.items {
		h = append(h, it.Stem)
	}
	return h
}

// each calls fn with every row after the header, in ID order.
func (e *Export) each(ctx context.Context, fn func([]string) error) error {
	tx := e.s.db.WithContext(ctx)
	ts := func(t time.Time) string { return t.In(district.Zone).Format(time.RFC3339) }
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
				score := ""
				if a.Score != nil {
					score = strconv.Itoa(*a.Score)
				}
				row := []string{
					strconv.FormatInt(a.ID, 10), strconv.FormatInt(a.ResidentID, 10), a.Street, a.Community,
					ts(*a.SubmittedAt), score, strconv.FormatBool(a.Passed),
					strconv.FormatFloat(a.SubmittedAt.Sub(a.StartedAt).Seconds(), 'f', 1, 64),
					strconv.FormatBool(a.Fast), strconv.FormatInt(a.Seed, 10),
				}
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
				row := []string{
					strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.ResidentID, 10), r.Street, r.Community, ts(r.SubmittedAt),
				}
				for _, it := range e.items {
					row = append(row, strings.Join(r.Answers[strconv.FormatInt(it.ID, 10)], "|"))
				}
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

func (e *Export) scope(q *gorm.DB) *gorm.DB {
	return e.by.Filter(q, staff.Columns{Street: "street"})
}

// WriteCSV streams the export as CSV (UTF-8 with a byte-order mark, so
// spreadsheet programs read the Chinese text right). Multiple choices are
// joined with "|".
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
	err := e.each(ctx, func(row []string) error {
		n++
		if n%exportBatch == 0 {
			cw.Flush()
		}
		return cw.Write(safeCells(row))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX streams the export as an XLSX workbook through excelize's
// StreamWriter, which spills rows to a temporary file beyond a small
// in-memory buffer. Every cell, the header's too, is written as a string
// value, never as a formula.
func (e *Export) WriteXLSX(ctx context.Context, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	r := 1
	write := func(row []string) error {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		r++
		return sw.SetRow(cell, cells)
	}
	if err := write(e.header()); err != nil {
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
