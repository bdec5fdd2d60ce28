package staff

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
)

// Errors of staff management.
var (
	ErrSelf            = apperr.New(apperr.PermissionDenied, "不能在人员管理中修改自己的账号（修改密码请到个人信息页）")
	ErrPasswordChanged = apperr.New(apperr.Conflict, "密码刚被修改过，请重新输入")
)

// Sessions ends staff members' sessions: the auth service provides it and
// app.New wires it (Deps.Sessions). Disabling, enabling and resetting a
// password revoke every token of the member; changing one's own password
// revokes all but the caller's.
type Sessions struct {
	// RevokeTx revokes the member's tokens in tx, except keep ("" keeps none).
	RevokeTx func(tx *gorm.DB, memberID int64, keep string) error
	// Forget drops what the process caches of the member's tokens; it runs
	// once the revocation has committed.
	Forget func(memberID int64)
}

// Patch changes a member's grants: a nil field is left as it is; Streets
// empty means every street.
type Patch struct {
	Roles   *[]Role   `json:"roles" doc:"the member's roles, at least one; omitted or null: unchanged"`
	Streets *[]string `json:"streets" doc:"the streets the member is limited to, [] for every street; omitted or null: unchanged"`
}

// decideManage decides whether actor may manage target (change its grants,
// disable or enable it, reset its password). A member outside the actor's
// scope (whose reach, disabled or not, is not within the actor's) answers
// as a missing one, ErrNotFound; the actor's own account is ErrSelf (their
// password is changed through ChangePassword); a superadmin or dept_admin
// is managed by superadmins only (ErrRoleNotGrantable). A nil actor is the
// command line, which manages everyone.
func decideManage(actor *Member, target *Member) error {
	if actor == nil {
		return nil
	}
	if !reach(*target).Within(actor.Scope()) {
		return ErrNotFound
	}
	if target.ID == actor.ID {
		return ErrSelf
	}
	if !actor.Has(Superadmin) && (target.Has(Superadmin) || target.Has(DeptAdmin)) {
		return ErrRoleNotGrantable
	}
	return nil
}

// validatePatch checks a patch's fields on their own: invalid_argument
// naming roles or streets.
func validatePatch(p Patch, knownStreet func(string) bool) error {
	fields := map[string]string{}
	if p.Roles == nil && p.Streets == nil {
		fields["roles"] = "须修改角色或负责街道"
	}
	if p.Roles != nil {
		if msg := rolesRule(*p.Roles); msg != "" {
			fields["roles"] = msg
		}
	}
	if p.Streets != nil {
		if msg := streetsRule(*p.Streets, knownStreet); msg != "" {
			fields["streets"] = msg
		}
	}
	return apperr.Fields(fields)
}

// decideUpdate returns target as patch p makes it, or why actor may not:
// the rules of decideManage, then the new grants checked as Create checks a
// new member's (a department-less account must stay a superadmin or a
// district auditor: invalid_argument naming roles; the new roles and
// streets must be the actor's to grant: ErrRoleNotGrantable,
// ErrStreetNotGrantable).
func decideUpdate(actor *Member, target Member, p Patch, knownStreet func(string) bool) (Member, error) {
	if err := validatePatch(p, knownStreet); err != nil {
		return target, err
	}
	if err := decideManage(actor, &target); err != nil {
		return target, err
	}
	if p.Roles != nil {
		target.Roles = slices.Clone(*p.Roles)
	}
	if p.Streets != nil {
		target.Streets = slices.Clone(*p.Streets)
	}
	fields := map[string]string{}
	grantFields(fields, target.DepartmentID, target.Roles, target.Streets, knownStreet)
	if msg, ok := fields["department_id"]; ok {
		// The department does not change here: it is the roles that must.
		return target, apperr.Field("roles", msg)
	}
	if actor != nil {
		if err := actor.mayCreate(NewMember{DepartmentID: target.DepartmentID, Roles: target.Roles, Streets: target.Streets}); err != nil {
			return target, err
		}
	}
	return target, nil
}

// Update changes a member's roles and streets on behalf of actor (nil: the
// command line) under the rules of decideUpdate. Returns ErrNotFound for a
// member outside the actor's scope.
func (s *Service) Update(ctx context.Context, actor *Member, id int64, p Patch, knownStreet func(string) bool) (*Member, error) {
	if err := validatePatch(p, knownStreet); err != nil {
		return nil, err
	}
	var out Member
	err := s.manage(ctx, actor, id, func(tx *gorm.DB, actor, target *Member) error {
		m, err := decideUpdate(actor, *target, p, knownStreet)
		if err != nil {
			return err
		}
		if m.Streets == nil {
			m.Streets = []string{}
		}
		m.UpdatedAt = s.now().UTC()
		AuditChanges(ctx, *target, m)
		if err := tx.Model(&Member{}).Where("id = ?", id).Select("roles", "streets", "updated_at").Updates(&m).Error; err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetDisabled disables (or enables) a member on behalf of actor under the
// rules of decideManage, and revokes every token of theirs at once: a
// disabled member's requests fail from the moment it answers. Enabling
// revokes too, so that no token issued by a sign-in that raced the
// disabling comes back to life. Returns ErrNotFound for a member outside
// the actor's scope.
func (s *Service) SetDisabled(ctx context.Context, actor *Member, id int64, disabled bool) (*Member, error) {
	var out Member
	err := s.manage(ctx, actor, id, func(tx *gorm.DB, actor, target *Member) error {
		if err := decideManage(actor, target); err != nil {
			return err
		}
		out = *target
		out.Disabled, out.UpdatedAt = disabled, s.now().UTC()
		if err := tx.Model(&Member{}).Where("id = ?", id).Updates(map[string]any{"disabled": disabled, "updated_at": out.UpdatedAt}).Error; err != nil {
			return err
		}
		if disabled {
			AuditDetail(ctx, "disabled")
		} else {
			AuditDetail(ctx, "enabled")
		}
		return s.sessions.RevokeTx(tx, id, "")
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ResetPassword gives a member a new random password on behalf of actor
// under the rules of decideManage, revokes every token of theirs, and
// returns the password: it is stored only as its hash, so this is the one
// time it can be shown. Returns ErrNotFound for a member outside the
// actor's scope.
func (s *Service) ResetPassword(ctx context.Context, actor *Member, id int64) (*Member, string, error) {
	// 26 characters of base32: 130 random bits, easy to read out and type.
	password := rand.Text()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	if err != nil {
		return nil, "", fmt.Errorf("hash password: %w", err)
	}
	var out Member
	err = s.manage(ctx, actor, id, func(tx *gorm.DB, actor, target *Member) error {
		if err := decideManage(actor, target); err != nil {
			return err
		}
		out = *target
		out.UpdatedAt = s.now().UTC()
		if err := tx.Model(&Member{}).Where("id = ?", id).Updates(map[string]any{"password_hash": string(hash), "updated_at": out.UpdatedAt}).Error; err != nil {
			return err
		}
		AuditDetail(ctx, "password reset")
		return s.sessions.RevokeTx(tx, id, "")
	})
	if err != nil {
		return nil, "", err
	}
	return &out, password, nil
}

// manage runs fn in a transaction holding the rows of target id and of the
// actor, both read afresh and locked, so that the decision is made on the
// accounts as they are at commit: an actor disabled or stripped of a grant
// meanwhile (by another request) decides with what is left of their scope.
// It forgets cached copies of the target and its tokens after the commit.
func (s *Service) manage(ctx context.Context, actor *Member, id int64, fn func(tx *gorm.DB, actor, target *Member) error) error {
	if s.sessions.RevokeTx == nil || s.sessions.Forget == nil {
		return errors.New("staff: sessions are not wired (Deps.Sessions)")
	}
	ids := []int64{id}
	if actor != nil && actor.ID != id {
		ids = append(ids, actor.ID)
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var rows []Member
		// One statement locks both rows in key order, so two managers
		// acting on each other queue rather than deadlock.
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		var target, fresh *Member
		for i := range rows {
			if rows[i].ID == id {
				target = &rows[i]
			}
			if actor != nil && rows[i].ID == actor.ID {
				fresh = &rows[i]
			}
		}
		if target == nil {
			return ErrNotFound
		}
		if actor != nil && fresh == nil {
			fresh = &Member{ID: actor.ID, Disabled: true} // deleted: covers nothing
		}
		AuditTarget(ctx, "staff", strconv.FormatInt(id, 10))
		return fn(tx, fresh, target)
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return err
		}
		return fmt.Errorf("manage staff: %w", err)
	}
	s.forget(id)
	s.sessions.Forget(id)
	return nil
}

// ChangePassword changes the member's own password after checking the
// current one, and revokes every other session of theirs (keep is the
// caller's token, which stays valid). Returns invalid_argument naming
// old_password for a wrong current password and new_password for a new
// one that is too short, too long or the same, and ErrPasswordChanged if
// the password changed meanwhile (another session changed it first).
func (s *Service) ChangePassword(ctx context.Context, m *Member, oldPassword, newPassword, keep string) error {
	if s.sessions.RevokeTx == nil || s.sessions.Forget == nil {
		return errors.New("staff: sessions are not wired (Deps.Sessions)")
	}
	if msg := passwordRule(newPassword); msg != "" {
		return apperr.Field("new_password", msg)
	}
	if newPassword == oldPassword {
		return apperr.Field("new_password", "新密码不能与原密码相同")
	}
	cur, err := s.FindByID(ctx, m.ID)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(cur.PasswordHash), []byte(oldPassword)) != nil {
		return apperr.Field("old_password", "原密码不正确")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), s.bcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.replacePassword(ctx, m.ID, cur.PasswordHash, string(hash), keep)
}

// replacePassword stores hash as member id's password if their password is
// still the one checked (checked, its hash), and revokes their sessions but
// keep. Returns ErrPasswordChanged if it is not: of two changes made at
// once with the same current password, one wins.
func (s *Service) replacePassword(ctx context.Context, id int64, checked, hash, keep string) error {
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&Member{}).Where("id = ? AND password_hash = ? AND disabled = ?", id, checked, false).
			Updates(map[string]any{"password_hash": hash, "updated_at": s.now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrPasswordChanged
		}
		AuditTarget(ctx, "staff", strconv.FormatInt(id, 10))
		AuditDetail(ctx, "password changed")
		return s.sessions.RevokeTx(tx, id, keep)
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return err
		}
		return fmt.Errorf("change password: %w", err)
	}
	s.sessions.Forget(id)
	return nil
}
