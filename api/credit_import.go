package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/enterprises"
)

// Credit records arrive in batches (双公示 data): an import checked line by
// line like the enterprise import, and a template next to every import.

var importCreditRecordsOp = op{
	Tag:     "admin-enterprises",
	Summary: "Import credit records from CSV (credit officer)",
	Description: "credit.write. A CSV (UTF-8, optional BOM) with the header uscc,kind,severity,occurred_at,expires_at,case_ref,note " +
		"(dates as 2026-01-05, the district's day, or RFC 3339; expires_at empty for the severity's default period), sent as text/csv " +
		"or as the file part of a multipart form. Every line is checked as POST /admin/credit-records checks one record, and " +
		"against the file (a case repeated): an enterprise unknown or outside the caller's streets is reported like an unknown one. " +
		"The good lines are written together for the caller's department and the enterprises re-rated; the reply counts them and " +
		"lists each bad line with its number, reason and columns at fault. A repeat of a recorded case writes nothing. A wrong " +
		"header, a file that is not CSV or more than 20000 lines is 400 naming file. Audited (导入信用记录, with the counts).",
	Body:    csvUpload{Description: "the CSV (template: GET /admin/credit-records/import-template)"},
	Replies: []reply{ok(enterprises.ImportResult{})},
}

func (s *Server) importCreditRecords(c *gin.Context) { s.importCSV(c, s.Enterprises.ImportCredit) }

var creditTemplateOp = op{
	Tag:         "admin-enterprises",
	Summary:     "The credit records import's template (credit officer)",
	Description: "credit.write. A CSV with the import's header and one example line to replace.",
	Replies:     []reply{file(http.StatusOK, "The template", "text/csv")},
}

func (s *Server) creditImportTemplate(c *gin.Context) {
	sendTemplate(c, "credit-records-template.csv", enterprises.CreditImportTemplate())
}

var enterpriseTemplateOp = op{
	Tag:         "admin-enterprises",
	Summary:     "The enterprise import's template (enterprise manager)",
	Description: "enterprises.manage. A CSV with the import's header (uscc,name,industry,street) and one example line to replace.",
	Replies:     []reply{file(http.StatusOK, "The template", "text/csv")},
}

func (s *Server) enterpriseImportTemplate(c *gin.Context) {
	sendTemplate(c, "enterprises-template.csv", enterprises.ImportTemplate())
}

func sendTemplate(c *gin.Context, name, body string) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(body))
}
