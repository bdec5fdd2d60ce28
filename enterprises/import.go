package enterprises

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/staff"
)

// ImportHeader is the header line an import must start with.
var ImportHeader = []string{"uscc", "name", "industry", "street"}

// maxImportLines bounds one import (the body limit bounds it too).
const maxImportLines = 20000

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

// Import registers the enterprises of a CSV (header uscc,name,industry,street,
// UTF-8, an optional byte-order mark) one line at a time: good lines are
// imported and rated, each bad one is reported with its line number and
// reason (bad code, unknown street, outside the member's streets, already
// registered, duplicated in the file). Returns an invalid_argument error
// naming "file" if the header is wrong or the file is not CSV at all.
func (s *Service) Import(ctx context.Context, by *staff.Member, r io.Reader) (*ImportResult, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, apperr.Field("file", "无法读取 CSV 表头")
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	if strings.Join(head, ",") != strings.Join(ImportHeader, ",") {
		return nil, apperr.Field("file", "表头须为 "+strings.Join(ImportHeader, ","))
	}
	res := &ImportResult{Errors: []LineError{}}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
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
		if line > maxImportLines {
			res.Errors = append(res.Errors, LineError{Line: line, Message: fmt.Sprintf("一次最多导入 %d 行，其余未处理", maxImportLines-1)})
			break
		}
		if len(rec) != len(ImportHeader) {
			res.Errors = append(res.Errors, LineError{Line: line, Message: fmt.Sprintf("须为 %d 列", len(ImportHeader))})
			continue
		}
		n := NewEnterprise{USCC: rec[0], Name: rec[1], Industry: rec[2], Street: rec[3]}
		if code := strings.ToUpper(strings.TrimSpace(n.USCC)); code != "" {
			if first, dup := seen[code]; dup {
				res.Errors = append(res.Errors, LineError{Line: line, Message: fmt.Sprintf("与第 %d 行的统一社会信用代码重复", first)})
				continue
			}
			seen[code] = line
		}
		if _, err := s.Create(ctx, by, n); err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				return nil, err
			}
			res.Errors = append(res.Errors, LineError{Line: line, Message: ae.Message})
			continue
		}
		res.Imported++
	}
	return res, nil
}
