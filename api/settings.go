package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/settings"
)

// What a superadmin changes while the service runs: quiet hours, the daily
// cap of routine subscribe messages, system messages' subscribe templates.
// The environment's values stay the defaults; a change applies in every
// instance within settings.PollEvery, without a restart.

// settingsReply is every setting, as listed and after a change.
type settingsReply struct {
	Items []settings.Setting `json:"items"`
}

var listSettingsOp = op{
	Tag:     "admin-staff",
	Summary: "Settings changeable at run time (superadmin)",
	Description: "Each setting with the value in effect, the environment's value (the default) and, when changed at run time, " +
		"who stored it and when. settings.manage: superadmin only.",
	Replies: []reply{ok(settingsReply{})},
}

func (s *Server) listSettings(c *gin.Context) {
	items, err := s.Settings.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settingsReply{Items: items})
}

var updateSettingsOp = op{
	Tag:     "admin-staff",
	Summary: "Change settings (superadmin)",
	Description: "A partial change: each setting left out stays as it is; reset returns settings to the environment's value. " +
		"Stored and applied in this instance at once, in every other within 10 s; audited with what changed (before → after). " +
		"quiet_hours holds routine subscribe messages (not warnings) until they end; daily_cap bounds routine subscribe messages " +
		"per resident per day; wechat_templates has IFUTIAN_WECHAT_TEMPLATES' syntax and rules (no source that carries text " +
		"staff typed). 400 names each bad field; nothing is stored then.",
	Body:    settings.Change{},
	Replies: []reply{ok(settingsReply{})},
}

func (s *Server) updateSettings(c *gin.Context) {
	var ch settings.Change
	if err := bindJSON(c, &ch); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Settings.Update(c.Request.Context(), actor(c), ch)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, settingsReply{Items: items})
}
