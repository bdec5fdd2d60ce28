package requests

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/staff"
)

// Category is a kind of request with its deadline in working days. The
// district keeps the list; an inactive category takes no new requests.
type Category struct {
	Code         string `json:"code" gorm:"primaryKey"`
	Name         string `json:"name"`
	DeadlineDays int    `json:"deadline_days" doc:"working days"`
	Active       bool   `json:"active"`
	Sort         int    `json:"sort"`
	// SignHours is the sign-for limit in working hours (签收时限) and
	// Guide the dispatch guide's text (分拨指引): the centre's, not in the
	// categories residents read (Guides shows them).
	SignHours int       `json:"-"`
	Guide     string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName maps Category to request_categories.
func (Category) TableName() string { return "request_categories" }

var categoryCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// CategoryCode is a category's code as staff give it: 2–32 lower-case
// letters, digits or _, a letter first (Validate holds it to that).
type CategoryCode string

// SetSchema states the code's pattern in the OpenAPI document
// (openapi3gen.SetSchemar).
func (CategoryCode) SetSchema(s *openapi3.Schema) {
	s.Type, s.Pattern = &openapi3.Types{"string"}, categoryCodeRE.String()
}

// Validate checks a category's fields.
func (c *Category) Validate() error {
	f := map[string]string{}
	if !categoryCodeRE.MatchString(c.Code) {
		f["code"] = "2–32 个小写字母、数字或 _，以字母开头"
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); text.Blank(c.Name) || n > 32 {
		f["name"] = "须为 1–32 个字"
	}
	if c.DeadlineDays < 1 || c.DeadlineDays > 60 {
		f["deadline_days"] = "须为 1–60 个工作日"
	}
	return apperr.Fields(f)
}

// Categories lists the categories in their order; activeOnly leaves out
// inactive ones.
func (s *Service) Categories(ctx context.Context, activeOnly bool) ([]Category, error) {
	q := s.db.WithContext(ctx).Order("sort, code")
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	var cs []Category
	if err := q.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("find categories: %w", err)
	}
	return cs, nil
}

// SaveCategory creates or replaces the category with c's code and reports
// whether it was new. Returns an invalid_argument error for bad fields.
func (s *Service) SaveCategory(ctx context.Context, c Category) (*Category, bool, error) {
	c.Name = strings.TrimSpace(c.Name)
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	now := s.clock()
	var created bool
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Category{}).Where("code = ?", c.Code).Count(&n).Error; err != nil {
			return err
		}
		created = n == 0
		c.UpdatedAt = now
		if created {
			c.CreatedAt = now
			if c.SignHours < 1 {
				c.SignHours = WorkdayHours
			}
			return tx.Create(&c).Error
		}
		return tx.Model(&Category{}).Where("code = ?", c.Code).Updates(map[string]any{
			"name": c.Name, "deadline_days": c.DeadlineDays, "active": c.Active, "sort": c.Sort, "updated_at": now,
		}).Error
	})
	if err != nil {
		return nil, false, fmt.Errorf("save category: %w", err)
	}
	var out Category
	if err := s.db.WithContext(ctx).Take(&out, "code = ?", c.Code).Error; err != nil {
		return nil, false, fmt.Errorf("save category: %w", err)
	}
	return &out, created, nil
}

func (s *Service) category(ctx context.Context, q *gorm.DB, code string) (*Category, error) {
	var c Category
	err := q.WithContext(ctx).Take(&c, "code = ?", code).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find category: %w", err)
	}
	return &c, nil
}

// Route sends new requests of a category in a street (Street "": any other
// street) to a department.
type Route struct {
	Category     string `json:"category" gorm:"primaryKey"`
	Street       string `json:"street" gorm:"primaryKey"`
	DepartmentID int64  `json:"department_id,string"`
	// AssistDepartmentID is the assisting unit (协办), if any.
	AssistDepartmentID *int64    `json:"assist_department_id,string"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// TableName maps Route to request_routes.
func (Route) TableName() string { return "request_routes" }

// Routes lists the routing table.
func (s *Service) Routes(ctx context.Context) ([]Route, error) {
	var rs []Route
	if err := s.db.WithContext(ctx).Order("category, street").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("find routes: %w", err)
	}
	return rs, nil
}

// SaveRoute creates or replaces the route of r's category and street.
// Returns an invalid_argument error naming an unknown category, street or
// department.
func (s *Service) SaveRoute(ctx context.Context, r Route) (*Route, error) {
	f := map[string]string{}
	c, err := s.category(ctx, s.db, r.Category)
	if err != nil {
		return nil, err
	}
	if c == nil {
		f["category"] = "未知类别"
	}
	if r.Street != "" && !s.regions.IsStreet(r.Street) {
		f["street"] = "未知街道"
	}
	var n int64
	if err := s.db.WithContext(ctx).Table("departments").Where("id = ?", r.DepartmentID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("save route: %w", err)
	}
	if n == 0 {
		f["department_id"] = "部门不存在"
	}
	if a := r.AssistDepartmentID; a != nil {
		if err := s.db.WithContext(ctx).Table("departments").Where("id = ?", *a).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("save route: %w", err)
		}
		switch {
		case n == 0:
			f["assist_department_id"] = "部门不存在"
		case *a == r.DepartmentID:
			f["assist_department_id"] = "协办单位不能是主办单位"
		}
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	r.UpdatedAt = s.clock()
	staff.AuditTarget(ctx, "request-route", r.Category+"/"+r.Street)
	detail := "department " + strconv.FormatInt(r.DepartmentID, 10)
	if r.AssistDepartmentID != nil {
		detail += ", assist " + strconv.FormatInt(*r.AssistDepartmentID, 10)
	}
	staff.AuditDetail(ctx, detail)
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "category"}, {Name: "street"}},
		DoUpdates: clause.AssignmentColumns([]string{"department_id", "assist_department_id", "updated_at"}),
	}).Create(&r).Error
	if err != nil {
		return nil, fmt.Errorf("save route: %w", err)
	}
	return &r, nil
}

// DeleteRoute removes a route. Returns ErrNotFound if there is none.
func (s *Service) DeleteRoute(ctx context.Context, category, street string) error {
	res := s.db.WithContext(ctx).Where("category = ? AND street = ?", category, street).Delete(&Route{})
	if res.Error != nil {
		return fmt.Errorf("delete route: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "路由不存在")
	}
	return nil
}

// route returns the route of a request of category in street: the
// street's own, else the category's for every street, else nil (the
// dispatch centre's queue).
func route(tx *gorm.DB, category, street string) (*Route, error) {
	var rs []Route
	if err := tx.Where("category = ? AND street IN ?", category, []string{street, ""}).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	var out *Route
	for _, r := range rs {
		if r.Street == street || out == nil {
			out = &r
		}
	}
	return out, nil
}

// Holiday marks a district date as a holiday (a weekday off) or a make-up
// working day (a weekend day worked).
type Holiday struct {
	Day       string      `json:"day" gorm:"primaryKey" format:"date"`
	Kind      HolidayKind `json:"kind" doc:"holiday: a weekday off; workday: a weekend day worked (调休)"`
	Name      string      `json:"name"`
	CreatedAt time.Time   `json:"created_at"`
}

// TableName maps Holiday to holidays.
func (Holiday) TableName() string { return "holidays" }

// Holidays lists the calendar's days from the date since ("" for all).
func (s *Service) Holidays(ctx context.Context, since string) ([]Holiday, error) {
	q := s.db.WithContext(ctx).Order("day")
	if since != "" {
		q = q.Where("day >= ?", since)
	}
	var hs []Holiday
	if err := q.Find(&hs).Error; err != nil {
		return nil, fmt.Errorf("find holidays: %w", err)
	}
	return hs, nil
}

// SaveHoliday marks a day. Returns an invalid_argument error for a bad
// date or kind. Deadlines already set are kept; new ones count the day.
func (s *Service) SaveHoliday(ctx context.Context, h Holiday) (*Holiday, error) {
	f := map[string]string{}
	d, err := district.ParseDate(h.Day)
	if err != nil || district.Date(d) != h.Day {
		f["day"] = "须为日期，如 2026-10-01"
	}
	if h.Kind != KindHoliday && h.Kind != KindWorkday {
		f["kind"] = "须为 holiday 或 workday"
	}
	h.Name = strings.TrimSpace(h.Name)
	if utf8.RuneCountInString(h.Name) > 32 {
		f["name"] = "不能多于 32 个字"
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	h.CreatedAt = s.clock()
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "day"}},
		DoUpdates: clause.AssignmentColumns([]string{"kind", "name"}),
	}).Create(&h).Error
	if err != nil {
		return nil, fmt.Errorf("save holiday: %w", err)
	}
	return &h, nil
}

// DeleteHoliday unmarks a day. Returns ErrNotFound if it was not marked.
func (s *Service) DeleteHoliday(ctx context.Context, day string) error {
	res := s.db.WithContext(ctx).Where("day = ?", day).Delete(&Holiday{})
	if res.Error != nil {
		return fmt.Errorf("delete holiday: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "该日期未标记")
	}
	return nil
}

// Calendar loads the holiday calendar.
func (s *Service) Calendar(ctx context.Context) (Calendar, error) {
	hs, err := s.Holidays(ctx, "")
	if err != nil {
		return nil, err
	}
	c := make(Calendar, len(hs))
	for _, h := range hs {
		c[h.Day] = string(h.Kind)
	}
	return c, nil
}

// DefaultCategories are the categories migration 00016 starts with.
var DefaultCategories = []Category{
	{Code: "sanitation", Name: "环境卫生", DeadlineDays: 5, Active: true, Sort: 1},
	{Code: "street_vending", Name: "占道经营", DeadlineDays: 3, Active: true, Sort: 2},
	{Code: "noise", Name: "噪音扰民", DeadlineDays: 3, Active: true, Sort: 3},
	{Code: "repair", Name: "设施报修", DeadlineDays: 5, Active: true, Sort: 4},
	{Code: "safety", Name: "安全隐患", DeadlineDays: 2, Active: true, Sort: 5},
	{Code: "consultation", Name: "政策咨询", DeadlineDays: 5, Active: true, Sort: 6},
	{Code: "other", Name: "其他", DeadlineDays: 5, Active: true, Sort: 7},
}

// SeedCategories adds the default categories that are missing, leaving
// the district's edits alone (for `ifutian seed`, and for tests on a
// database emptied of the migration's rows).
func (s *Service) SeedCategories(ctx context.Context) error {
	now := s.clock()
	cs := make([]Category, len(DefaultCategories))
	for i, c := range DefaultCategories {
		c.CreatedAt, c.UpdatedAt, c.SignHours = now, now, WorkdayHours
		cs[i] = c
	}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&cs).Error; err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	return nil
}
