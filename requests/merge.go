package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/apperr"
	"github.com/futian/ifutian/internal/db"
	"github.com/futian/ifutian/internal/district"
	"github.com/futian/ifutian/internal/text"
	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/notify"
	"github.com/futian/ifutian/staff"
)

// Merging duplicates (issue 25): requests about the same matter (same
// category and street, made within MergeWindowDays of each other) are
// linked to a main request so they are handled and answered once. A linked
// request waits in StatusMerged with the main request's department and
// deadline, out of the desks' queues; when the main request is answered,
// each linked one is answered with the same answer (a job queued by the
// answer's transaction) and its resident gets the usual answer notice and
// rates it on their own. Each resident is told of the merge by a fixed
// system text naming the requests by number only.

// StatusMerged is a request linked to a main request, waiting for its
// answer.
const StatusMerged = "merged"

// Actions of merging, as the history records them.
const (
	ActMerge    = "merged"          // this request was linked to a main one
	ActMergedIn = "merged_in"       // requests were linked to this one
	ActUnmerge  = "unmerged"        // the link was undone
	ActFollow   = "answered_merged" // answered with its main request
)

// Merge limits.
const (
	MergeWindowDays = 7   // calendar days between two requests' submissions
	NearMeters      = 500 // two points closer than this are "near"
	MaxMergeAtOnce  = 20
	MaxCandidates   = 20
)

// JobMergeNotice tells a merged request's resident; JobFollow answers the
// requests merged into an answered one.
const (
	JobMergeNotice = "requests.merge_notice"
	JobFollow      = "requests.follow_main"
)

// mergeFacts are what the merge decision needs of a request.
type mergeFacts struct {
	ID         int64
	Status     string
	Category   string
	Street     string
	Community  string
	Address    string
	Lat, Lng   *float64
	CreatedAt  time.Time
	MergedInto *int64
	Linked     int // requests already merged into it
}

func factsOf(r *Request, linked int) mergeFacts {
	return mergeFacts{ID: r.ID, Status: r.Status, Category: r.Category, Street: r.Street, Community: r.Community,
		Address: r.Address, Lat: r.Latitude, Lng: r.Longitude, CreatedAt: r.CreatedAt, MergedInto: r.MergedInto, Linked: linked}
}

// mainOpen says whether a request may be the main one of a merge: open
// (not answered, closed or itself merged). It is pure.
func mainOpen(main mergeFacts) error {
	if main.MergedInto != nil || main.Status == StatusMerged {
		return apperr.New(apperr.Conflict, "该诉求已合并到另一件诉求，请以那件为主诉求")
	}
	if !slices.Contains(openStatuses, main.Status) {
		return apperr.New(apperr.Conflict, "主诉求已答复或办结，不能再合并")
	}
	return nil
}

// decideMerge says why dup may not be merged into main ("" if it may).
// It is pure.
func decideMerge(main, dup mergeFacts) string {
	switch {
	case dup.ID == main.ID:
		return "不能与自身合并"
	case dup.MergedInto != nil || dup.Status == StatusMerged:
		return "已合并到其他诉求"
	case !slices.Contains(openStatuses, dup.Status) || dup.Status == StatusWithEnterprise:
		return "已答复、办结或正由企业先行处理"
	case dup.Linked > 0:
		return "已有其他诉求合并到它，请以它为主诉求"
	case dup.Category != main.Category:
		return "类别不同"
	case dup.Street != main.Street:
		return "街道不同"
	case absDuration(dup.CreatedAt.Sub(main.CreatedAt)) > MergeWindowDays*24*time.Hour:
		return "提交时间相隔超过 " + strconv.Itoa(MergeWindowDays) + " 天"
	}
	return ""
}

// cutRunes keeps the first n characters of s (a history's reason column
// holds MaxReason).
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// distanceMeters is the great-circle distance between two points, or -1
// when either is unknown.
func distanceMeters(a, b mergeFacts) int {
	if a.Lat == nil || a.Lng == nil || b.Lat == nil || b.Lng == nil {
		return -1
	}
	const r = 6371000.0
	rad := math.Pi / 180
	φ1, φ2 := *a.Lat*rad, *b.Lat*rad
	dφ, dλ := (*b.Lat-*a.Lat)*rad, (*b.Lng-*a.Lng)*rad
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return int(math.Round(2 * r * math.Asin(math.Min(1, math.Sqrt(h)))))
}

// rankCandidate scores how likely cand is a duplicate of main (a candidate
// at all only if decideMerge allows it) and says why: near (within
// NearMeters), the same community, the same address, made within a day.
// It is pure.
func rankCandidate(main, cand mergeFacts) (score int, reasons []string, ok bool) {
	if decideMerge(main, cand) != "" {
		return 0, nil, false
	}
	reasons = []string{"同类别", "同街道"}
	if d := distanceMeters(main, cand); d >= 0 && d <= NearMeters {
		score += 3
		reasons = append(reasons, "相距约 "+strconv.Itoa(d)+" 米")
	}
	if main.Community != "" && main.Community == cand.Community {
		score += 2
		reasons = append(reasons, "同社区")
	}
	if a := strings.TrimSpace(main.Address); a != "" && a == strings.TrimSpace(cand.Address) {
		score += 3
		reasons = append(reasons, "地址相同")
	}
	if absDuration(cand.CreatedAt.Sub(main.CreatedAt)) <= 24*time.Hour {
		score++
		reasons = append(reasons, "一天内提交")
	}
	return score, reasons, true
}

// MergeCandidate is a request that may be a duplicate of another.
type MergeCandidate struct {
	ID          int64     `json:"id,string"`
	Status      string    `json:"status"`
	Description string    `json:"description"`
	Community   string    `json:"community"`
	Address     string    `json:"address"`
	CreatedAt   time.Time `json:"created_at"`
	// DistanceMeters is how far it is from the request (null: a position
	// is unknown).
	DistanceMeters *int     `json:"distance_meters"`
	Score          int      `json:"score"`
	Reasons        []string `json:"reasons"`
}

// linkedCounts counts the requests merged into each of ids.
func linkedCounts(tx *gorm.DB, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		MergedInto int64
		N          int
	}
	err := tx.Model(&Request{}).Select("merged_into, COUNT(*) AS n").
		Where("merged_into IN ?", ids).Group("merged_into").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("linked requests: %w", err)
	}
	for _, r := range rows {
		out[r.MergedInto] = r.N
	}
	return out, nil
}

// MergeCandidates suggests the requests in the member's scope that may be
// duplicates of request id, best first: open, of the same category and
// street, made within MergeWindowDays. Returns ErrNotFound outside the
// scope.
func (s *Service) MergeCandidates(ctx context.Context, m *staff.Member, id int64) ([]MergeCandidate, error) {
	sc := m.Scope()
	q := s.db.WithContext(ctx)
	main, err := inScope(q, sc, id)
	if err != nil {
		return nil, err
	}
	out := []MergeCandidate{}
	mf := factsOf(main, 0)
	if mainOpen(mf) != nil {
		return out, nil
	}
	window := MergeWindowDays * 24 * time.Hour
	var rows []Request
	err = sc.Filter(q.Model(&Request{}), staff.Columns{Street: "street", Department: "department_id"}).
		Where("erased_at IS NULL AND id <> ? AND category = ? AND street = ? AND status IN ? AND merged_into IS NULL",
			main.ID, main.Category, main.Street, openStatuses).
		Where("created_at >= ? AND created_at <= ?", main.CreatedAt.Add(-window), main.CreatedAt.Add(window)).
		Order("id DESC").Limit(200).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("merge candidates: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	linked, err := linkedCounts(q, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		cf := factsOf(&r, linked[r.ID])
		score, reasons, ok := rankCandidate(mf, cf)
		if !ok {
			continue
		}
		c := MergeCandidate{ID: r.ID, Status: r.Status, Description: r.Description, Community: r.Community,
			Address: r.Address, CreatedAt: r.CreatedAt, Score: score, Reasons: reasons}
		if d := distanceMeters(mf, cf); d >= 0 {
			c.DistanceMeters = &d
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > MaxCandidates {
		out = out[:MaxCandidates]
	}
	return out, nil
}

type mergeJob struct {
	ID int64 `json:"id,string"`
}

// Merge links the requests dupIDs to request mainID, with a reason the
// histories show: each waits in StatusMerged with the main request's
// department and deadline, and is answered with it. Every request must be
// in the member's scope (one outside it is named like a missing one).
// Returns an invalid_argument error naming reason or duplicate_ids[i],
// ErrNotFound for a main request outside the scope, and conflict for a
// main request that is not open.
func (s *Service) Merge(ctx context.Context, m *staff.Member, mainID int64, dupIDs []int64, reason string) (*StaffView, error) {
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if c := utf8.RuneCountInString(reason); text.Blank(reason) || c > MaxReason {
		f["reason"] = "须为 1–" + strconv.Itoa(MaxReason) + " 个字"
	}
	switch {
	case len(dupIDs) == 0:
		f["duplicate_ids"] = "请选择要合并的诉求"
	case len(dupIDs) > MaxMergeAtOnce:
		f["duplicate_ids"] = "一次至多合并 " + strconv.Itoa(MaxMergeAtOnce) + " 件"
	}
	seen := map[int64]bool{}
	for i, d := range dupIDs {
		if seen[d] {
			f["duplicate_ids["+strconv.Itoa(i)+"]"] = "重复"
		}
		seen[d] = true
	}
	if err := apperr.Fields(f); err != nil {
		return nil, err
	}
	sc := m.Scope()
	now := s.clock()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		main, err := inScope(tx, sc, mainID)
		if err != nil {
			return err
		}
		counts, err := linkedCounts(tx, append([]int64{mainID}, dupIDs...))
		if err != nil {
			return err
		}
		mf := factsOf(main, counts[mainID])
		if err := mainOpen(mf); err != nil {
			return err
		}
		dups := make([]*Request, len(dupIDs))
		for i, id := range dupIDs {
			key := "duplicate_ids[" + strconv.Itoa(i) + "]"
			d, err := inScope(tx, sc, id)
			if errors.Is(err, ErrNotFound) {
				f[key] = "诉求不存在"
				continue
			}
			if err != nil {
				return err
			}
			if why := decideMerge(mf, factsOf(d, counts[id])); why != "" {
				f[key] = why
				continue
			}
			dups[i] = d
		}
		if err := apperr.Fields(f); err != nil {
			return err
		}
		nos := make([]string, len(dups))
		for i, d := range dups {
			nos[i] = "#" + strconv.FormatInt(d.ID, 10)
			res := tx.Model(&Request{}).Where("id = ? AND version = ?", d.ID, d.Version).Updates(map[string]any{
				"status": StatusMerged, "version": d.Version + 1, "merged_into": main.ID, "merged_at": now,
				"merge_noticed_at": nil, "department_id": main.DepartmentID, "deadline_at": main.DeadlineAt,
				"escalated_at": nil, "updated_at": now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return ErrStale
			}
			e := &Event{RequestID: d.ID, Action: ActMerge, ActorID: m.ID, FromDepartmentID: d.DepartmentID,
				ToDepartmentID: main.DepartmentID, Reason: cutRunes("并入诉求 #"+strconv.FormatInt(main.ID, 10)+"："+reason, MaxReason), CreatedAt: now}
			if err := tx.Create(e).Error; err != nil {
				return err
			}
			if err := jobs.Enqueue(tx, JobMergeNotice, strconv.FormatInt(d.ID, 10)+":"+strconv.FormatInt(main.ID, 10), mergeJob{ID: d.ID}); err != nil {
				return err
			}
		}
		e := &Event{RequestID: main.ID, Action: ActMergedIn, ActorID: m.ID, ToDepartmentID: main.DepartmentID,
			Reason: cutRunes("合并诉求 "+strings.Join(nos, "、")+"："+reason, MaxReason), CreatedAt: now}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		staff.AuditDetail(ctx, "request "+strconv.FormatInt(main.ID, 10)+" merged in "+strings.Join(nos, ","))
		return nil
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("merge requests: %w", err)
	}
	if s.jobs != nil {
		for _, d := range dupIDs {
			_ = s.jobs.RunKey(context.WithoutCancel(ctx), JobMergeNotice, strconv.FormatInt(d, 10)+":"+strconv.FormatInt(mainID, 10))
		}
	}
	return s.staffView(ctx, mainID)
}

// staffView is the view of a request after a member's change.
func (s *Service) staffView(ctx context.Context, id int64) (*StaffView, error) {
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	vs, err := s.buildViews(ctx, []Request{*r}, true)
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// Unmerge undoes a merge: the linked request goes back to its department's
// desk (submitted, arriving now) with a reason the history shows. Only a
// request still waiting for its main request's answer. Returns ErrNotFound
// outside the member's scope, ErrWrongState for one not merged.
func (s *Service) Unmerge(ctx context.Context, m *staff.Member, id int64, reason string) (*StaffView, error) {
	reason = strings.TrimSpace(reason)
	if c := utf8.RuneCountInString(reason); text.Blank(reason) || c > MaxReason {
		return nil, apperr.Field("reason", "须为 1–"+strconv.Itoa(MaxReason)+" 个字")
	}
	now := s.clock()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		d, err := inScope(tx, m.Scope(), id)
		if err != nil {
			return err
		}
		if d.Status != StatusMerged || d.MergedInto == nil {
			return ErrWrongState
		}
		res := tx.Model(&Request{}).Where("id = ? AND version = ?", d.ID, d.Version).Updates(map[string]any{
			"status": StatusSubmitted, "version": d.Version + 1, "merged_into": nil, "arrived_at": now, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrStale
		}
		return tx.Create(&Event{RequestID: d.ID, Action: ActUnmerge, ActorID: m.ID, ToDepartmentID: d.DepartmentID,
			Reason: cutRunes("取消与诉求 #"+strconv.FormatInt(*d.MergedInto, 10)+" 的合并："+reason, MaxReason), CreatedAt: now}).Error
	})
	if err != nil {
		if apperr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fmt.Errorf("unmerge request: %w", err)
	}
	return s.staffView(ctx, id)
}

// runMergeNotice tells a merged request's resident, once.
func (s *Service) runMergeNotice(ctx context.Context, payload []byte) error {
	var j mergeJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad merge notice payload %q", payload))
	}
	r, err := load(s.db.WithContext(ctx), j.ID)
	if errors.Is(err, ErrNotFound) {
		return nil // erased meanwhile: nobody to tell
	} else if err != nil {
		return err
	}
	if r.MergedInto == nil || r.MergeNoticedAt != nil {
		return nil // unmerged meanwhile, or told
	}
	if err := s.notify.SendDirect(ctx, mergeNotice(r)); err != nil {
		return fmt.Errorf("request %d merge notice: %w", r.ID, err)
	}
	return s.db.WithContext(ctx).Model(&Request{}).Where("id = ?", r.ID).Update("merge_noticed_at", s.clock()).Error
}

// mergeNotice is the fixed system text telling a resident their request
// was merged: the requests' numbers and the date only.
func mergeNotice(r *Request) notify.DirectNotice {
	no, main := strconv.FormatInt(r.ID, 10), strconv.FormatInt(*r.MergedInto, 10)
	return notify.DirectNotice{
		Kind: notify.KindRequestMerged, Category: "policy", ResidentIDs: []int64{r.ResidentID}, DepartmentID: r.DepartmentID,
		Title: "您的诉求已合并办理",
		Body: fmt.Sprintf("您于 %s 提交的诉求（编号 %s）与反映同一事项的诉求（编号 %s）合并办理，将随其一并答复。答复后您仍可在「民意速办」中查看并评价。",
			district.Date(r.CreatedAt), no, main),
		Data:   map[string]string{"request_no": no, "main_no": main},
		Target: &notify.Target{Type: notify.TargetRequest, ID: no},
		Source: "request:" + no + ":merged:" + main,
	}
}

// enqueueFollow queues the answering of the requests merged into r, in
// the transaction that answered r.
func enqueueFollow(tx *gorm.DB, r *Request) error {
	if r.Status != StatusAnswered {
		return nil
	}
	var n int64
	if err := tx.Model(&Request{}).Where("merged_into = ? AND status = ?", r.ID, StatusMerged).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return jobs.Enqueue(tx, JobFollow, settleKey(r), mergeJob{ID: r.ID})
}

// runFollow answers the requests merged into an answered request with its
// answer (and the knowledge entry it quotes), each in the history as
// answered with the main request by its officer; their settle jobs then
// send the answer notices. Requests already answered are left alone, so a
// second run does nothing.
func (s *Service) runFollow(ctx context.Context, payload []byte) error {
	var j mergeJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("bad follow payload %q", payload))
	}
	var settled []*Request
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		settled = nil
		main, err := load(tx, j.ID)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if main.AnsweredAt == nil || main.Status != StatusAnswered && main.Status != StatusClosed {
			return nil // reopened before the job ran: the next answer follows
		}
		var dups []Request
		if err := tx.Where("merged_into = ? AND status = ? AND erased_at IS NULL", main.ID, StatusMerged).Find(&dups).Error; err != nil {
			return err
		}
		now := s.clock()
		for _, d := range dups {
			res := tx.Model(&Request{}).Where("id = ? AND version = ?", d.ID, d.Version).Updates(map[string]any{
				"status": StatusAnswered, "version": d.Version + 1, "answered_at": now, "answered_by": main.AnsweredBy,
				"answer": main.Answer, "knowledge_id": main.KnowledgeID, "answer_noticed_at": nil,
				"department_id": main.DepartmentID, "updated_at": now,
			})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return fmt.Errorf("follow: request %d: %w", d.ID, db.ErrSerialization)
			}
			var actor int64
			if main.AnsweredBy != nil {
				actor = *main.AnsweredBy
			}
			if err := tx.Create(&Event{RequestID: d.ID, Action: ActFollow, ActorID: actor, ToDepartmentID: main.DepartmentID,
				Reason: "随主诉求 #" + strconv.FormatInt(main.ID, 10) + " 一并答复", CreatedAt: now}).Error; err != nil {
				return err
			}
			r, err := load(tx, d.ID)
			if err != nil {
				return err
			}
			if err := enqueueSettle(tx, r); err != nil {
				return err
			}
			settled = append(settled, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("follow request %d: %w", j.ID, err)
	}
	for _, r := range settled {
		s.settleNow(ctx, r)
	}
	return nil
}
