package enterprises

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/staff"
)

// ImportHeader is the header line an import must start with.
var ImportHeader = []string{"uscc", "name", "industry", "street"}

// maxImportRows bounds one import (the body limit bounds it too).
const maxImportRows = 20000

// LineError is why one line of an import was not imported. Line counts
// from 1 for the header.
type LineError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// ImportResult says how many lines were imported and why the others were not.
type ImportResult struct {
	Imported int         `json:"imported"`
	Errors   []LineError `json:"errors"`
}

// importLine is a line that passed every check.
type importLine struct {
	line int
	n    NewEnterprise
}

// Import registers the enterprises of a CSV (header uscc,name,industry,street,
// UTF-8, an optional byte-order mark) on behalf of a staff member.
//
// Every field of every line is checked before anything is written, as
// Create checks it (code, text that is valid UTF-8 and fits its column,
// known street inside the member's streets), and against the registry and
// the rest of the file (already registered, code repeated in the file).
// Each bad line is reported with its line number and reason; the good lines
// are then registered and rated together in one transaction, so either all
// of them are saved or, if that fails (the database, not a line), none is
// and the error is returned.
//
// Returns an invalid_argument error naming "file" if the header is wrong,
// the file is not CSV at all or it has more than maxImportRows lines.
func (s *Service) Import(ctx context.Context, by *staff.Member, r io.Reader) (*ImportResult, error) {
	good, res, err := s.checkImport(ctx, by.Scope(), r)
	if err != nil || len(good) == 0 {
		return res, err
	}
	var created []int64
	var raced []LineError
	err = db.Retry(ctx, 5, func() error {
		created, raced = created[:0], raced[:0]
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, l := range good {
				// A failed statement leaves the transaction usable on
				// both databases: a line lost to a concurrent
				// registration is reported, the others stay.
				e, err := s.insertTx(tx, l.n)
				if errors.Is(err, ErrExists) {
					raced = append(raced, LineError{Line: l.line, Message: ErrExists.Message})
					continue
				}
				if err != nil {
					return fmt.Errorf("import line %d: %w", l.line, err)
				}
				created = append(created, e.ID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	res.Imported = len(created)
	res.Errors = append(res.Errors, raced...)
	slices.SortStableFunc(res.Errors, func(a, b LineError) int { return a.Line - b.Line })
	for ids := range slices.Chunk(created, 500) {
		s.sendPending(ctx, "enterprise_id IN ?", ids)
	}
	return res, nil
}

// checkImport parses and checks a whole import: it returns the good lines
// and the report of the bad ones, writing nothing.
func (s *Service) checkImport(ctx context.Context, scope staff.Scope, r io.Reader) ([]importLine, *ImportResult, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, nil, apperr.Field("file", "无法读取 CSV 表头")
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	if !slices.Equal(head, ImportHeader) {
		return nil, nil, apperr.Field("file", "表头须为 "+strings.Join(ImportHeader, ","))
	}
	res := &ImportResult{Errors: []LineError{}}
	var good []importLine
	seen := map[string]int{} // code → first line
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if rows == maxImportRows {
			return nil, nil, apperr.Field("file", fmt.Sprintf("一次最多导入 %d 行", maxImportRows))
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			res.Errors = append(res.Errors, LineError{Line: line, Message: "CSV 格式错误"})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(ImportHeader) {
			res.Errors = append(res.Errors, LineError{Line: line, Message: fmt.Sprintf("须为 %d 列", len(ImportHeader))})
			continue
		}
		n := NewEnterprise{USCC: rec[0], Name: rec[1], Industry: rec[2], Street: rec[3]}
		if err := s.checkNew(scope, &n); err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				return nil, nil, err
			}
			res.Errors = append(res.Errors, LineError{Line: line, Message: ae.Message})
			continue
		}
		if first, dup := seen[n.USCC]; dup {
			res.Errors = append(res.Errors, LineError{Line: line, Message: fmt.Sprintf("与第 %d 行的统一社会信用代码重复", first)})
			continue
		}
		seen[n.USCC] = line
		good = append(good, importLine{line: line, n: n})
	}
	registered := map[string]bool{}
	for chunk := range slices.Chunk(good, 500) {
		codes := make([]string, len(chunk))
		for i, l := range chunk {
			codes[i] = l.n.USCC
		}
		var found []string
		if err := s.db.WithContext(ctx).Model(&Enterprise{}).Where("uscc IN ?", codes).Pluck("uscc", &found).Error; err != nil {
			return nil, nil, fmt.Errorf("check registered codes: %w", err)
		}
		for _, c := range found {
			registered[c] = true
		}
	}
	fresh := good[:0]
	for _, l := range good {
		if registered[l.n.USCC] {
			res.Errors = append(res.Errors, LineError{Line: l.line, Message: ErrExists.Message})
			continue
		}
		fresh = append(fresh, l)
	}
	return fresh, res, nil
}
