package api

import (
	"encoding/csv"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/futian/ifutian/internal/district"
)

// The exports of the console's lists (the audit log, enterprises, credit
// records) share one writer: a table with Chinese headers as CSV (UTF-8
// with BOM) or XLSX, each cell defused against formulas (safeCells).

// exportLimit caps one export; narrower filters export the rest.
const exportLimit = 10000

// exportFormat is the format query parameter of every list export.
type exportFormat struct {
	Format string `form:"format" binding:"omitempty,oneof=csv xlsx" doc:"csv (default, UTF-8 with BOM) or xlsx"`
}

// format is the format asked for, csv by default.
func (q exportFormat) format() string {
	if q.Format == "" {
		return "csv"
	}
	return q.Format
}

// exportTypes are the media types a list export answers with.
var exportTypes = []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

// sendTable answers with headers and rows as a file named base plus the
// district's time, in format (csv or xlsx).
func sendTable(c *gin.Context, s *Server, base, format string, headers []string, rows [][]string) {
	name := base + "-" + time.Now().In(district.Zone).Format("20060102-150405") + "." + format
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		_, _ = c.Writer.WriteString("\ufeff")
		w := csv.NewWriter(c.Writer)
		_ = w.Write(headers)
		for _, r := range rows {
			_ = w.Write(safeCells(r))
		}
		w.Flush()
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	_ = x.SetSheetRow(sheet, "A1", &headers)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sr := safeCells(r)
		_ = x.SetSheetRow(sheet, cell, &sr)
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := x.Write(c.Writer); err != nil {
		s.Log.ErrorContext(c.Request.Context(), "export failed", "request_id", requestID(c), "err", err)
		c.Abort()
	}
}
