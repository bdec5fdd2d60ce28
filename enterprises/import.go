package enterprises

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
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
// from 1 for the header. Fields names the columns at fault, as a request's
// details.fields does (empty when the line as a whole is bad).
type LineError struct {
	Line    int               `json:"line"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields" doc:"the columns at fault (uscc, name, industry, street) and what is wrong with each, as details.fields of a 400; empty when the line as a whole is bad (CSV quoting, column count)"`
}

// lineError reports a line; fields are name, message pairs.
func lineError(line int, message string, fields ...string) LineError {
	le := LineError{Line: line, Message: message, Fields: map[string]string{}}
	for i := 0; i+1 < len(fields); i += 2 {
		le.Fields[fields[i]] = fields[i+1]
	}
	return le
}

// ImportResult says how many lines were imported and why the others were not.
type ImportResult struct {
	Imported int         `json:"imported" doc:"lines registered"`
	Errors   []LineError `json:"errors" doc:"every line not registered, with its number (the header is line 1)"`
}

// importLine is a line that passed every check.
type importLine struct {
	line int
	n    NewEnterprise
}

// Import registers the enterprises of a CSV (header uscc,name,industry,street,
// UTF-8, an optional byte-order mark) on behalf of a staff member.
//
// Each line is one record (a field cannot hold a line break); blank lines
// are skipped. Every field of every line is checked before anything is
// written, as
// Create checks it (code, text that is valid UTF-8 and fits its column,
// known street inside the member's streets), and against the registry and
// the rest of the file (already registered, code repeated in the file).
// Each bad line is reported with its line number, its reason and the
// columns at fault; the good lines
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
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		created, raced = created[:0], raced[:0]
		for _, l := range good {
			// A failed statement leaves the transaction usable on both
			// databases: a line lost to a concurrent registration is
			// reported, the others stay.
			e, err := s.insertTx(tx, l.n)
			if errors.Is(err, ErrExists) {
				raced = append(raced, lineError(l.line, ErrExists.Message, "uscc", ErrExists.Message))
				continue
			}
			if err != nil {
				return fmt.Errorf("import line %d: %w", l.line, err)
			}
			created = append(created, e.ID)
		}
		staff.AuditDetail(ctx, fmt.Sprintf("enterprise import: %d imported, %d rejected", len(created), len(res.Errors)+len(raced)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Imported = len(created)
	res.Errors = append(res.Errors, raced...)
	slices.SortStableFunc(res.Errors, func(a, b LineError) int { return a.Line - b.Line })
	for ids := range slices.Chunk(created, 500) {
		s.noticesNow(ctx, "enterprise_id IN ?", ids)
	}
	return res, nil
}

// readImport reads an import's CSV (UTF-8, an optional BOM): at most
// maxImportRows non-blank lines under a header that must be header. It
// returns every line, the header's included (line numbers count from it),
// or an invalid_argument error naming "file".
func readImport(r io.Reader, header []string) ([][]byte, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	// Each line is read as a CSV record of its own: no field may hold a
	// line break (checkText), so a record spanning lines is always bad, and
	// a quote left open must not swallow the lines after it unreported.
	lines := bytes.Split(data, []byte("\n"))
	rows := 0
	for _, l := range lines[1:] {
		if len(bytes.TrimSpace(l)) > 0 {
			rows++
		}
	}
	if rows > maxImportRows {
		return nil, apperr.Field("file", fmt.Sprintf("一次最多导入 %d 行", maxImportRows))
	}
	head, err := readLine(lines[0])
	if err != nil {
		return nil, apperr.Field("file", "无法读取 CSV 表头")
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	if !slices.Equal(head, header) {
		return nil, apperr.Field("file", "表头须为 "+strings.Join(header, ","))
	}
	return lines, nil
}

// checkImport parses and checks a whole import: it returns the good lines
// and the report of the bad ones, writing nothing.
func (s *Service) checkImport(ctx context.Context, scope staff.Scope, r io.Reader) ([]importLine, *ImportResult, error) {
	lines, err := readImport(r, ImportHeader)
	if err != nil {
		return nil, nil, err
	}
	res := &ImportResult{Errors: []LineError{}}
	var good []importLine
	seen := map[string]int{} // code → first line
	for i, raw := range lines[1:] {
		line := i + 2
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		rec, err := readLine(raw)
		if err != nil {
			res.Errors = append(res.Errors, lineError(line, "CSV 格式错误：引号不成对"))
			continue
		}
		if len(rec) != len(ImportHeader) {
			res.Errors = append(res.Errors, lineError(line, fmt.Sprintf("须为 %d 列", len(ImportHeader))))
			continue
		}
		n := NewEnterprise{USCC: rec[0], Name: rec[1], Industry: rec[2], Street: rec[3]}
		if err := s.checkNew(scope, &n); err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				return nil, nil, err
			}
			le := lineError(line, ae.Message)
			maps.Copy(le.Fields, ae.Fields)
			res.Errors = append(res.Errors, le)
			continue
		}
		if first, dup := seen[n.USCC]; dup {
			msg := fmt.Sprintf("与第 %d 行的统一社会信用代码重复", first)
			res.Errors = append(res.Errors, lineError(line, msg, "uscc", msg))
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
			res.Errors = append(res.Errors, lineError(l.line, ErrExists.Message, "uscc", ErrExists.Message))
			continue
		}
		fresh = append(fresh, l)
	}
	return fresh, res, nil
}

// readLine reads one line (without its line break) as one CSV record.
func readLine(line []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimSuffix(line, []byte("\r"))))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	rec, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if _, err := cr.Read(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one record")
	}
	return rec, nil
}
