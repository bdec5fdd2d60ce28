package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/activities"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/surveys"
)

// homeFew is how many items of each kind the home screen shows.
const homeFew = 3

// home is what the mini program's home screen shows, in one read: each
// part comes from its module's service, as its own list would.
type home struct {
	UnreadNotices int64      `json:"unread_notices" doc:"unread notices in my inbox"`
	Points        homePoints `json:"points"`
	// UpcomingActivities are the next activities the resident signed up
	// for (as GET /me/activities lists them).
	UpcomingActivities []activities.PublicActivity `json:"upcoming_activities" binding:"max=3" doc:"my next activities signed up for"`
	// WaitingSurveys are surveys open to the resident that they have not
	// taken part in today (nor ever, for a one-off survey).
	WaitingSurveys []surveys.PublicSurvey `json:"waiting_surveys" binding:"max=3" doc:"surveys open to me that I have not taken part in today (nor ever, for a one-off survey)"`
	OpenRequests   homeRequests           `json:"open_requests"`
}

type homePoints struct {
	Balance        int64  `json:"balance"`
	LifetimeEarned int64  `json:"lifetime_earned"`
	Level          int    `json:"level"`
	LevelName      string `json:"level_name" example:"Lv2"`
	// NextLevelAt is the lifetime earned points of the next level; nil at
	// the top level.
	NextLevelAt *int64 `json:"next_level_at" doc:"lifetime earned points at which the next level begins; null at the top level"`
}

type homeRequests struct {
	Count int64           `json:"count" doc:"all my requests not answered yet"`
	Items []requests.View `json:"items" binding:"max=3" doc:"the newest of them"`
}

var getHomeOp = op{
	Tag: "residents", Summary: "首页数据（一次读取）",
	Description: "The home screen in one read, instead of eight: my unread notices (as GET /notices/unread-count), my points " +
		"with level, level name and the lifetime points of the next level (null at the top), my next 3 activities signed up " +
		"for (as GET /me/activities?when=upcoming), up to 3 surveys open to me that I have not taken part in today (nor ever, " +
		"for a one-off survey), and my requests not answered yet: their count and the newest 3 (as GET /requests?status=open). " +
		"Each part is read from its module as its own list would be; the full lists stay where they are. Resident only.",
	Replies: []reply{ok(home{})},
}

// getHome serves the home screen's data, replacing the eight calls it
// took: unread count, points and level, upcoming activities, waiting
// surveys and open requests.
func (s *Server) getHome(c *gin.Context) {
	ctx, rid := c.Request.Context(), residentID(c)
	var h home
	var err error
	if h.UnreadNotices, err = s.Notify.UnreadCount(ctx, rid); err != nil {
		s.fail(c, err)
		return
	}
	acc, err := s.Points.FindAccount(ctx, rid)
	if err != nil {
		s.fail(c, err)
		return
	}
	h.Points = homePoints{Balance: acc.Balance, LifetimeEarned: acc.LifetimeEarned, Level: acc.Level}
	if levels := s.Points.Levels(); acc.Level >= 1 && acc.Level <= len(levels) {
		h.Points.LevelName = levels[acc.Level-1].Name
	}
	if next, ok := s.Points.NextLevelAt(acc.LifetimeEarned); ok {
		h.Points.NextLevelAt = &next
	}
	if h.UpcomingActivities, _, err = s.Activities.Mine(ctx, rid, false, "", homeFew); err != nil {
		s.fail(c, err)
		return
	}
	if h.WaitingSurveys, err = s.Surveys.Waiting(ctx, rid, homeFew); err != nil {
		s.fail(c, err)
		return
	}
	if h.OpenRequests.Count, err = s.Requests.CountMine(ctx, rid, requests.MineOpen); err != nil {
		s.fail(c, err)
		return
	}
	if h.OpenRequests.Items, _, err = s.Requests.Mine(ctx, rid, requests.MineOpen, homeFew, 0); err != nil {
		s.fail(c, err)
		return
	}
	if h.UpcomingActivities == nil {
		h.UpcomingActivities = []activities.PublicActivity{}
	}
	if h.OpenRequests.Items == nil {
		h.OpenRequests.Items = []requests.View{}
	}
	c.JSON(http.StatusOK, h)
}
