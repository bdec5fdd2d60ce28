package requests

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/text"
)

// NewRequest is what a resident submits.
type NewRequest struct {
	// ClientKey makes the submit idempotent: the same key again returns the
	// first request.
	ClientKey   string
	Category    string
	Description string
	Street      string
	Community   string
	Address     string
	Latitude    *float64
	Longitude   *float64
	Contact     string // a phone number to call back on, optional
	Public      bool   // may be shown publicly, anonymised
	Photos      []string
}

var (
	clientKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	contactRE   = regexp.MustCompile(`^[0-9+\- ]{5,20}$`)
)

// validate checks the fields that need no database; field names are the
// API's.
func (n *NewRequest) validate(r Regions) map[string]string {
	f := map[string]string{}
	switch {
	case n.ClientKey == "":
		f["client_key"] = "必填"
	case !clientKeyRE.MatchString(n.ClientKey):
		f["client_key"] = "须为 1–64 个字母、数字或 _ . : -"
	}
	n.Description = strings.TrimSpace(n.Description)
	switch c := utf8.RuneCountInString(n.Description); {
	case text.Blank(n.Description):
		f["description"] = "必填"
	case c > MaxDescription:
		f["description"] = "须为 1–" + strconv.Itoa(MaxDescription) + " 个字"
	}
	if n.Street == "" {
		f["street"] = "必填"
	} else if !r.IsStreet(n.Street) {
		f["street"] = "未知街道"
	} else if n.Community != "" && r.StreetOf(n.Community) != n.Street {
		f["community"] = "不是该街道的社区"
	}
	n.Address = strings.TrimSpace(n.Address)
	if utf8.RuneCountInString(n.Address) > MaxAddress {
		f["address"] = "不能多于 " + strconv.Itoa(MaxAddress) + " 个字"
	}
	switch {
	case (n.Latitude == nil) != (n.Longitude == nil):
		f["latitude"] = "经纬度须同时填写"
	case n.Latitude != nil && (math.IsNaN(*n.Latitude) || *n.Latitude < -90 || *n.Latitude > 90):
		f["latitude"] = "须在 -90 到 90 之间"
	case n.Longitude != nil && (math.IsNaN(*n.Longitude) || *n.Longitude < -180 || *n.Longitude > 180):
		f["longitude"] = "须在 -180 到 180 之间"
	}
	n.Contact = strings.TrimSpace(n.Contact)
	if n.Contact != "" && !contactRE.MatchString(n.Contact) {
		f["contact"] = "须为电话号码"
	}
	if len(n.Photos) > MaxPhotos {
		f["photos"] = "至多 " + strconv.Itoa(MaxPhotos) + " 张照片"
	}
	seen := map[string]bool{}
	for i, p := range n.Photos {
		if seen[p] {
			f["photos["+strconv.Itoa(i)+"]"] = "重复的照片"
		}
		seen[p] = true
	}
	return f
}

// Problems returns what is wrong with n, field by field (none: an empty
// map), without writing anything: the API adds them to what its own
// checks found, so that a 400 names every bad field at once.
func (s *Service) Problems(ctx context.Context, n NewRequest) (map[string]string, error) {
	f := n.validate(s.regions)
	cat, err := s.category(ctx, s.db, n.Category)
	if err != nil {
		return nil, err
	}
	switch {
	case n.Category == "":
		f["category"] = "必填"
	case cat == nil || !cat.Active:
		f["category"] = "未知类别"
	}
	return f, nil
}

// Submit records a resident's request, routes it and sets its deadline.
// It is idempotent on ClientKey: a repeat returns the first request with
// repeated = true (ErrKeyReused if the key was used for another request).
// Photos are the tokens of the resident's uploads, attached in the given
// order. Returns an invalid_argument error naming bad fields; nothing is
// written then.
func (s *Service) Submit(ctx context.Context, residentID int64, n NewRequest) (v *View, repeated bool, err error) {
	f, err := s.Problems(ctx, n)
	if err != nil {
		return nil, false, err
	}
	if err := apperr.Fields(f); err != nil {
		return nil, false, err
	}
	cat, err := s.category(ctx, s.db, n.Category)
	if err != nil {
		return nil, false, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, false, err
	}
	var id int64
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		repeated = false
		prev, err := byClientKey(tx, residentID, n.ClientKey)
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.Category != n.Category || prev.Description != n.Description {
				return ErrKeyReused
			}
			id, repeated = prev.ID, true
			return nil
		}
		rt, err := route(tx, n.Category, n.Street)
		if err != nil {
			return err
		}
		now := s.clock()
		// Placed by the responsibility list: at its unit, to be signed
		// for; else in the dispatch centre's queue.
		var dept, assist *int64
		var signBy *time.Time
		status := StatusDispatching
		if rt != nil {
			dept, assist, status = &rt.DepartmentID, rt.AssistDepartmentID, StatusSubmitted
			t := cal.AddWorkingHours(now, max(cat.SignHours, 1))
			signBy = &t
		}
		check := CheckNone
		if n.Public {
			check = CheckQueued
		}
		r := &Request{
			ResidentID: residentID, ClientKey: n.ClientKey, Category: n.Category, Description: n.Description,
			Street: n.Street, Community: n.Community, Address: n.Address, Latitude: n.Latitude, Longitude: n.Longitude,
			Public: n.Public, DepartmentID: dept, AssistDepartmentID: assist, SignDeadlineAt: signBy, Status: status, Version: 1,
			DeadlineAt: cal.Deadline(now, cat.DeadlineDays), ArrivedAt: now, TextCheck: check,
			CreatedAt: now, UpdatedAt: now,
		}
		if n.Public {
			r.CheckNextAt = &now
		}
		if n.Contact != "" {
			r.ContactEnc = s.box.Seal(n.Contact)
		}
		if err := tx.Create(r).Error; err != nil {
			if db.IsDuplicate(err) {
				// A concurrent submit with the same key won: decide again.
				return fmt.Errorf("submit: %w", db.ErrSerialization)
			}
			return err
		}
		id = r.ID
		for i, token := range n.Photos {
			res := tx.Model(&Photo{}).
				Where("token = ? AND resident_id = ? AND request_id IS NULL", token, residentID).
				Updates(map[string]any{"request_id": r.ID, "position": i + 1, "check_status": check, "check_next_at": r.CheckNextAt})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return apperr.Field("photos["+strconv.Itoa(i)+"]", "照片不存在或已使用")
			}
		}
		if dept != nil {
			if err := openAssignment(tx, r, *dept, now, *signBy); err != nil {
				return err
			}
		}
		return tx.Create(&Event{RequestID: r.ID, Action: ActSubmit, ToDepartmentID: dept, CreatedAt: now}).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("submit request: %w", err)
	}
	if n.Public && !repeated {
		s.wake()
	}
	v, err = s.residentView(ctx, residentID, id)
	return v, repeated, err
}

func byClientKey(tx *gorm.DB, residentID int64, key string) (*Request, error) {
	var r Request
	err := tx.Take(&r, "resident_id = ? AND client_key = ?", residentID, key).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}
