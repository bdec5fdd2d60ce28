package enterprises

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/staff"
)

// CreditImportHeader is the header line a credit records import (双公示
// batches) must start with.
var CreditImportHeader = []string{"uscc", "kind", "severity", "occurred_at", "expires_at", "case_ref", "note"}

// CreditImportTemplate is the template offered next to the import: the
// header and one example line.
func CreditImportTemplate() string {
	return "\ufeff" + strings.Join(CreditImportHeader, ",") + "\n" +
		"91440300MA5XXXXXXX," + Kind("").Enum()[0] + "," + Severity("").Enum()[0] + ",2026-01-05,,（2026）深福某字第1号,示例：按双公示数据录入\n"
}

// ImportTemplate is the template of the enterprise import.
func ImportTemplate() string {
	return "\ufeff" + strings.Join(ImportHeader, ",") + "\n91440300MA5XXXXXXX,示例企业有限公司,制造业,福田街道\n"
}

type creditLine struct {
	line int
	e    *Enterprise
	n    NewCreditRecord
}

// parseImportTime reads a date (2026-01-05, the district's day) or an
// RFC 3339 time.
func parseImportTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.ParseInLocation("2006-01-02", v, district.Zone); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil && t.Year() >= 1900 && t.Year() <= 9999 {
		return t, true
	}
	return time.Time{}, false
}

// ImportCredit writes the credit records of a CSV (header
// uscc,kind,severity,occurred_at,expires_at,case_ref,note; UTF-8, an
// optional byte-order mark) as Record writes one, for the member's
// department. Every line is checked first, as Record checks a record (the
// publication rules, an enterprise registered and within the member's
// streets, a case not repeated in the file); each bad line is reported
// with its number, reason and columns at fault. The good lines are written
// in one transaction (a line whose case was recorded with other content is
// reported, the others stay); a repeat of a recorded case writes nothing
// and is not counted.
//
// Returns an invalid_argument error naming "file" if the header is wrong,
// the file is not CSV or it has more than maxImportRows lines.
func (s *Service) ImportCredit(ctx context.Context, by *staff.Member, r io.Reader) (*ImportResult, error) {
	good, res, err := s.checkCreditImport(ctx, by.Scope(), r)
	if err != nil || len(good) == 0 {
		return res, err
	}
	var touched []int64
	var conflicts []LineError
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		touched, conflicts = touched[:0], conflicts[:0]
		for _, l := range good {
			_, created, err := s.recordTx(ctx, tx, by, l.e, l.n)
			if errors.Is(err, ErrCaseConflict) {
				conflicts = append(conflicts, lineError(l.line, ErrCaseConflict.Message, "case_ref", ErrCaseConflict.Message))
				continue
			}
			if err != nil {
				return fmt.Errorf("import line %d: %w", l.line, err)
			}
			if created {
				touched = append(touched, l.e.ID)
			}
		}
		staff.AuditTarget(ctx, "credit-records", "")
		staff.AuditDetail(ctx, fmt.Sprintf("credit records import: %d imported, %d rejected", len(touched), len(res.Errors)+len(conflicts)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Imported = len(touched)
	res.Errors = append(res.Errors, conflicts...)
	slices.SortStableFunc(res.Errors, func(a, b LineError) int { return a.Line - b.Line })
	slices.Sort(touched)
	for ids := range slices.Chunk(slices.Compact(touched), 500) {
		s.noticesNow(ctx, "enterprise_id IN ?", ids)
	}
	return res, nil
}

// checkCreditImport parses and checks a whole credit import, writing nothing.
func (s *Service) checkCreditImport(ctx context.Context, scope staff.Scope, r io.Reader) ([]creditLine, *ImportResult, error) {
	lines, err := readImport(r, CreditImportHeader)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	res := &ImportResult{Errors: []LineError{}}
	var good []creditLine
	seen := map[string]int{} // enterprise, kind, case → first line
	found := map[string]*Enterprise{}
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
		if len(rec) != len(CreditImportHeader) {
			res.Errors = append(res.Errors, lineError(line, fmt.Sprintf("须为 %d 列", len(CreditImportHeader))))
			continue
		}
		n := NewCreditRecord{USCC: rec[0], Kind: Kind(strings.TrimSpace(rec[1])), Severity: Severity(strings.TrimSpace(rec[2])), CaseRef: rec[5], Note: rec[6]}
		bad := map[string]string{}
		if t, ok := parseImportTime(rec[3]); ok {
			n.OccurredAt = t
		} else if strings.TrimSpace(rec[3]) != "" {
			bad["occurred_at"] = "须为日期（2026-01-05）或 RFC 3339 时间"
		}
		if strings.TrimSpace(rec[4]) != "" {
			if t, ok := parseImportTime(rec[4]); ok {
				n.ExpiresAt = t
			} else {
				bad["expires_at"] = "须为日期（2026-01-05）或 RFC 3339 时间"
			}
		}
		if err := n.Validate(now); err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				return nil, nil, err
			}
			for k, v := range ae.Fields {
				if _, ok := bad[k]; !ok {
					bad[k] = v
				}
			}
		}
		if len(bad) > 0 {
			le := lineError(line, "本行有错误")
			maps.Copy(le.Fields, bad)
			res.Errors = append(res.Errors, le)
			continue
		}
		e, ok := found[n.USCC]
		if !ok {
			e, err = s.FindByUSCC(ctx, n.USCC)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, nil, err
			}
			if e != nil && !scope.CoversStreet(e.Street) {
				e = nil // outside the member's streets: as unknown
			}
			found[n.USCC] = e
		}
		if e == nil {
			res.Errors = append(res.Errors, lineError(line, ErrNotFound.Message, "uscc", ErrNotFound.Message))
			continue
		}
		if n.CaseRef != "" {
			key := n.USCC + "\x00" + string(n.Kind) + "\x00" + n.CaseRef
			if first, dup := seen[key]; dup {
				msg := fmt.Sprintf("与第 %d 行的案号重复", first)
				res.Errors = append(res.Errors, lineError(line, msg, "case_ref", msg))
				continue
			}
			seen[key] = line
		}
		good = append(good, creditLine{line: line, e: e, n: n})
	}
	return good, res, nil
}
