package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/staff"
)

// dashboardItem is one thing that waits, as the start page lists it:
// never anything a resident wrote or who they are.
type dashboardItem struct {
	ID    string    `json:"id" doc:"the item's ID in its queue (notice, appeal, objection, binding, survey)"`
	Title string    `json:"title" doc:"a notice's or survey's title, an enterprise's name, or the disputed deduction"`
	At    time.Time `json:"at" doc:"when it came in (submitted, filed, opened, published)"`
	// Count is how many non-reporters a declaration has today, or how many
	// messages (WeChat or SMS) a notice has still to send; nil for the others.
	Count *int64 `json:"count" doc:"a declaration's non-reporters today, a notice's messages (WeChat or SMS) still to send; null for the other queues"`
}

// dashboardQueue is one queue of the start page: how many wait in all
// and the first few.
type dashboardQueue struct {
	Count int64           `json:"count" doc:"how many wait in all"`
	Items []dashboardItem `json:"items" doc:"the first five"`
}

// dashboard is the answer of GET /admin/dashboard. A queue the member's
// permissions do not cover is null.
type dashboard struct {
	Reviews      *dashboardQueue `json:"reviews"`
	Appeals      *dashboardQueue `json:"appeals"`
	Objections   *dashboardQueue `json:"objections"`
	Bindings     *dashboardQueue `json:"bindings"`
	Declarations *dashboardQueue `json:"declarations"`
	Sends        *dashboardQueue `json:"sends"`
}

var dashboardOp = op{
	Tag: "admin-staff", Summary: "What waits for me (the start page)",
	Description: "Every staff member may call it. For each queue the member holds the permission to work on, how many items " +
		"wait within their scope (counted as the queue's own list counts them) and the first five, oldest first (declarations " +
		"and sends: newest first): `reviews` notices submitted for review that the member did not write (notices.review), " +
		"`appeals` pending points appeals (points.appeals.decide), `objections` pending credit objections " +
		"(enterprises.objections.decide), `bindings` pending enterprise bindings (enterprises.bindings.decide), `declarations` " +
		"daily declarations open now with today's non-reporters in the member's streets as each item's count (surveys.read), " +
		"`sends` published notices with messages (WeChat or SMS) still to send, held for quiet hours included, with how many as " +
		"each item's count (notices.read). A queue the member may not work on is null. Items name no resident and nothing a " +
		"resident wrote.",
	Replies: []reply{ok(dashboard{})},
}

// dashboardItems is how many items of each queue the start page shows.
const dashboardItems = 5

// dashboard answers what waits for the calling member, queue by queue: each
// queue the member holds the permission to work on, counted by its module
// within the member's scope, exactly as the queue's own list shows it.
func (s *Server) dashboard(c *gin.Context) {
	m := actor(c)
	by := m.Scope()
	ctx := c.Request.Context()
	var out dashboard
	queues := []struct {
		perm staff.Permission
		dst  **dashboardQueue
		load func(ctx context.Context) (*dashboardQueue, error)
	}{
		{staff.ReviewNotices, &out.Reviews, func(ctx context.Context) (*dashboardQueue, error) {
			n, ns, err := s.Notify.PendingReviews(ctx, by, s.Residents.Regions(), m.ID, dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range ns {
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: x.Title, At: x.UpdatedAt})
			}
			return q, err
		}},
		{staff.DecideAppeals, &out.Appeals, func(ctx context.Context) (*dashboardQueue, error) {
			n, as, err := s.Points.PendingAppeals(ctx, by, dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range as {
				title := fmt.Sprintf("扣减 %d 分", -x.Delta)
				if x.CaseRef != "" {
					title += "（" + x.CaseRef + "）"
				}
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: title, At: x.CreatedAt})
			}
			return q, err
		}},
		{staff.DecideObjections, &out.Objections, func(ctx context.Context) (*dashboardQueue, error) {
			n, ps, err := s.Enterprises.PendingObjections(ctx, by, dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range ps {
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: x.EnterpriseName, At: x.CreatedAt})
			}
			return q, err
		}},
		{staff.DecideBindings, &out.Bindings, func(ctx context.Context) (*dashboardQueue, error) {
			n, ps, err := s.Enterprises.PendingBindings(ctx, by, dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range ps {
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: x.EnterpriseName, At: x.CreatedAt})
			}
			return q, err
		}},
		{staff.ReadSurveys, &out.Declarations, func(ctx context.Context) (*dashboardQueue, error) {
			n, ds, err := s.Surveys.TodayDeclarations(ctx, by, dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range ds {
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: x.Title, At: x.OpensAt, Count: &x.Missing})
			}
			return q, err
		}},
		{staff.ReadNotices, &out.Sends, func(ctx context.Context) (*dashboardQueue, error) {
			n, ns, err := s.Notify.SendsInProgress(ctx, by, s.Residents.Regions(), dashboardItems)
			q := &dashboardQueue{Count: n, Items: []dashboardItem{}}
			for _, x := range ns {
				at := x.UpdatedAt
				if x.PublishedAt != nil {
					at = *x.PublishedAt
				}
				q.Items = append(q.Items, dashboardItem{ID: idString(x.ID), Title: x.Title, At: at, Count: &x.Pending})
			}
			return q, err
		}},
	}
	for _, q := range queues {
		if !m.Can(q.perm) {
			continue
		}
		v, err := q.load(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		*q.dst = v
	}
	c.JSON(http.StatusOK, out)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
