// Package staff manages departments and the staff members who administer
// the service, and holds the one authorization policy (policy.go).
package staff

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/clock"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
)

// Errors returned by the Service.
var (
	ErrNotFound           = apperr.New(apperr.NotFound, "工作人员或部门不存在")
	ErrBadCredentials     = apperr.New(apperr.Unauthenticated, "用户名或密码错误")
	ErrUsernameTaken      = apperr.New(apperr.Conflict, "用户名已存在")
	ErrDepartmentTaken    = apperr.New(apperr.Conflict, "部门已存在")
	ErrOutsideDepartment  = OutOfScope("department_id", "只能管理本部门的工作人员")
	ErrRoleNotGrantable   = OutOfScope("roles", "无权授予该角色")
	ErrStreetNotGrantable = OutOfScope("streets", "只能授予您负责的街道")
)

// Department is a government department that owns rules, notices, surveys
// and rewards.
type Department struct {
	ID        int64     `json:"id,string"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a staff account. Roles decide what it may do (Policy); a
// non-empty Streets limits it to those streets' residents and enterprises.
// A Member without a department is a district-level account (superadmin).
type Member struct {
	ID           int64     `json:"id,string"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"-"`
	DepartmentID *int64    `json:"department_id,string"`
	Roles        []Role    `json:"roles" gorm:"serializer:json"`
	Streets      []string  `json:"streets" gorm:"serializer:json"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// TableName maps Member to the staff table.
func (Member) TableName() string { return "staff" }

// RoleNames names m's roles in Chinese, joined for people to read.
func (m *Member) RoleNames() string {
	names := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		names[i] = r.Name()
	}
	return strings.Join(names, "、")
}

// StreetNames names the streets m covers, joined for people to read:
// 全部街道 for a member limited to none.
func (m *Member) StreetNames() string {
	if len(m.Streets) == 0 {
		return "全部街道"
	}
	return strings.Join(m.Streets, "、")
}

// NewMember is the input for Create.
type NewMember struct {
	Username     string   `json:"username" binding:"required" doc:"3–32 lower-case letters, digits or _ . -" example:"huafu_editor"`
	Password     string   `json:"password" binding:"required" doc:"10–72 characters" example:"a-long-passphrase"`
	DepartmentID *int64   `json:"department_id,string" doc:"the member's department; none only for a superadmin or a district auditor" example:"1"`
	Roles        []Role   `json:"roles" binding:"required" doc:"at least one"`
	Streets      []string `json:"streets" doc:"the streets the member is limited to; none or [] for every street"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

// Validate checks a new member's fields; knownStreet reports valid streets.
func (n *NewMember) Validate(knownStreet func(string) bool) error {
	fields := map[string]string{}
	if !usernameRE.MatchString(n.Username) {
		fields["username"] = "3–32 个小写字母、数字或 _ . -"
	}
	if msg := passwordRule(n.Password); msg != "" {
		fields["password"] = msg
	}
	grantFields(fields, n.DepartmentID, n.Roles, n.Streets, knownStreet)
	return apperr.Fields(fields)
}

// passwordRule returns what is wrong with a password, or "".
func passwordRule(pw string) string {
	if len(pw) < 10 || len(pw) > 72 { // bcrypt reads 72 bytes
		return "密码长度须为 10–72 个字符"
	}
	return ""
}

// rolesRule returns what is wrong with a list of roles, or "".
func rolesRule(roles []Role) string {
	if len(roles) == 0 {
		return "至少需要一个角色"
	}
	for _, r := range roles {
		if !slices.Contains(Roles, r) {
			return fmt.Sprintf("未知角色 %q", r)
		}
	}
	return ""
}

// streetsRule returns what is wrong with a list of streets, or "".
func streetsRule(streets []string, knownStreet func(string) bool) string {
	for _, st := range streets {
		if !knownStreet(st) {
			return fmt.Sprintf("未知街道 %q", st)
		}
	}
	return ""
}

// grantFields adds to fields what is wrong with the grants of an account:
// its department, roles and streets.
func grantFields(fields map[string]string, dept *int64, roles []Role, streets []string, knownStreet func(string) bool) {
	if msg := rolesRule(roles); msg != "" {
		fields["roles"] = msg
	}
	if msg := streetsRule(streets, knownStreet); msg != "" {
		fields["streets"] = msg
	}
	if dept == nil && !slices.Contains(roles, Superadmin) && !districtRoles(roles) {
		// Without a department an account is district-wide (see Scope):
		// only a superadmin, an auditor who can only read, or the
		// dispatch centre.
		fields["department_id"] = "除超级管理员、区级审计员和分拨中心外必须指定部门"
	}
	if dept != nil && slices.Contains(roles, Dispatcher) {
		// The centre works district-wide: its accounts have no department.
		fields["department_id"] = "分拨中心账号不属于部门"
	}
}

// districtRoles reports whether roles (not empty) are only roles a
// district account without a department may hold: the auditor's and the
// dispatch centre's.
func districtRoles(roles []Role) bool {
	if len(roles) == 0 {
		return false
	}
	for _, r := range roles {
		if r != Auditor && r != Dispatcher {
			return false
		}
	}
	return true
}

// Service manages departments and staff. It is safe for concurrent use.
type Service struct {
	db         *gorm.DB
	now        func() time.Time
	bcryptCost int
	// dummyHash keeps the time of a login with an unknown username equal to
	// one with a wrong password.
	dummyHash []byte

	auditOnce sync.Once
	auditQ    chan auditReq

	sessions Sessions

	mu      sync.Mutex
	members map[int64]cachedMember
	// gen counts forget calls, so that a FindActive that read an account
	// before a change committed does not cache the old copy after it.
	gen uint64
}

type cachedMember struct {
	m     Member
	until time.Time
}

// memberTTL is how long an authenticated request may act on a cached copy
// of its staff account (the same bound the token cache has).
const memberTTL = 5 * time.Second

// Deps is what a Service is built from.
type Deps struct {
	DB *gorm.DB
	// Sessions is the token store that staff management revokes through
	// (the auth service); without it disabling, enabling and password
	// changes fail.
	Sessions Sessions
	// BcryptCost is the passwords' hashing cost (0: bcrypt.DefaultCost;
	// tests use bcrypt.MinCost).
	BcryptCost int
	Now        func() time.Time // nil: time.Now
}

// New returns a Service over d.DB.
func New(d Deps) *Service {
	s := &Service{db: d.DB, now: clock.Or(d.Now), sessions: d.Sessions, bcryptCost: d.BcryptCost,
		auditQ: make(chan auditReq, 1024), members: map[int64]cachedMember{}}
	if s.bcryptCost == 0 {
		s.bcryptCost = bcrypt.DefaultCost
	}
	s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), s.bcryptCost)
	return s
}

// CreateDepartment adds a department. Returns ErrDepartmentTaken for a
// duplicate name.
func (s *Service) CreateDepartment(ctx context.Context, name string) (*Department, error) {
	name = strings.TrimSpace(name)
	if text.Blank(name) || len([]rune(name)) > 64 {
		return nil, apperr.Field("name", "部门名称须为 1–64 个字符")
	}
	d := &Department{Name: name, CreatedAt: s.now().UTC()}
	if err := s.db.WithContext(ctx).Create(d).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, ErrDepartmentTaken
		}
		return nil, fmt.Errorf("create department: %w", err)
	}
	return d, nil
}

// FindDepartments lists all departments by name.
func (s *Service) FindDepartments(ctx context.Context) ([]Department, error) {
	var ds []Department
	err := s.db.WithContext(ctx).Order("id").Find(&ds).Error
	return ds, err
}

// Create adds a staff member on behalf of actor (nil when run from the
// command line). A member may create members only inside their own scope:
// the new member's department and streets must lie within the actor's
// (ErrOutsideDepartment naming department_id, ErrStreetNotGrantable naming
// streets), and only a superadmin grants superadmin or dept_admin
// (ErrRoleNotGrantable naming roles).
func (s *Service) Create(ctx context.Context, actor *Member, n NewMember, knownStreet func(string) bool) (*Member, error) {
	n.Username = NormalizeUsername(n.Username)
	if err := n.Validate(knownStreet); err != nil {
		return nil, err
	}
	if actor != nil {
		if err := actor.mayCreate(n); err != nil {
			return nil, err
		}
	}
	if n.DepartmentID != nil {
		var count int64
		if err := s.db.WithContext(ctx).Model(&Department{}).Where("id = ?", *n.DepartmentID).Count(&count).Error; err != nil {
			return nil, err
		}
		if count == 0 {
			return nil, apperr.Field("department_id", "部门不存在")
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := s.now().UTC()
	m := &Member{
		Username: n.Username, PasswordHash: string(hash), DepartmentID: n.DepartmentID,
		Roles: n.Roles, Streets: n.Streets, CreatedAt: now, UpdatedAt: now,
	}
	if m.Streets == nil {
		m.Streets = []string{}
	}
	if err := s.db.WithContext(ctx).Create(m).Error; err != nil {
		if db.IsDuplicate(err) {
			return nil, ErrUsernameTaken
		}
		return nil, fmt.Errorf("create staff: %w", err)
	}
	return m, nil
}

// mayCreate checks that m may create member n: n's scope lies within m's,
// and only a superadmin grants superadmin or dept_admin.
func (m *Member) mayCreate(n NewMember) error {
	if !m.Has(Superadmin) && (slices.Contains(n.Roles, Superadmin) || slices.Contains(n.Roles, DeptAdmin)) {
		return ErrRoleNotGrantable
	}
	mine := m.Scope()
	theirs := (&Member{DepartmentID: n.DepartmentID, Roles: n.Roles, Streets: n.Streets}).Scope()
	if !theirs.everyStreet().Within(mine.everyStreet()) {
		return ErrOutsideDepartment
	}
	if !theirs.Within(mine) {
		return ErrStreetNotGrantable
	}
	return nil
}

// Authenticate checks a username and password. Returns ErrBadCredentials
// for an unknown user, a wrong password or a disabled account alike.
func (s *Service) Authenticate(ctx context.Context, username, password string) (*Member, error) {
	var m Member
	err := s.db.WithContext(ctx).Where("username = ?", NormalizeUsername(username)).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(m.PasswordHash), []byte(password)) != nil || m.Disabled {
		return nil, ErrBadCredentials
	}
	return &m, nil
}

// FindByID returns a staff member. Returns ErrNotFound if there is none.
func (s *Service) FindByID(ctx context.Context, id int64) (*Member, error) {
	var m Member
	err := s.db.WithContext(ctx).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find staff: %w", err)
	}
	return &m, nil
}

// FindActive is FindByID for authenticating requests: it serves a copy
// cached for up to memberTTL, so a role change or disabling made elsewhere
// takes effect within that time. Returns ErrNotFound if there is none.
func (s *Service) FindActive(ctx context.Context, id int64) (*Member, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.members[id]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		m := c.m
		return &m, nil
	}
	m, err := s.FindByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		if len(s.members) > 10_000 {
			clear(s.members)
		}
		s.members[id] = cachedMember{m: *m, until: now.Add(memberTTL)}
	}
	s.mu.Unlock()
	return m, nil
}

// forget drops the cached copy of member id, after a change to it has
// committed, so that this process acts on the change at once.
func (s *Service) forget(id int64) {
	s.mu.Lock()
	s.gen++
	delete(s.members, id)
	s.mu.Unlock()
}

// Count returns the number of staff accounts.
func (s *Service) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Member{}).Count(&n).Error
	return n, err
}

// Bootstrap creates staff "admin" with role superadmin and the given
// password if no staff exists yet. It reports whether it created one.
func (s *Service) Bootstrap(ctx context.Context, password string) (bool, error) {
	n, err := s.Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	_, err = s.Create(ctx, nil, NewMember{Username: "admin", Password: password, Roles: []Role{Superadmin}}, func(string) bool { return true })
	if errors.Is(err, ErrUsernameTaken) {
		return false, nil // another instance won the race
	}
	return err == nil, err
}
