package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/futian/ifutian/residents"
)

func (s *Server) listRegions(c *gin.Context) {
	r := s.Residents.Regions()
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, gin.H{"streets": r.Streets, "self_tags": r.SelfTags})
}

func (s *Server) getMe(c *gin.Context) {
	r, err := s.Residents.FindByID(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// updateMe changes the fields of the profile the body names and leaves the
// others as they are (PUT /me: wx.request sends no PATCH, so the partial
// update the contract would spell PATCH is a PUT).
func (s *Server) updateMe(c *gin.Context) {
	var req struct {
		Nickname         *string   `json:"nickname"`
		AvatarURL        *string   `json:"avatar_url"`
		Street           *string   `json:"street"`
		Community        *string   `json:"community"`
		BirthYear        *int      `json:"birth_year"`
		Tags             *[]string `json:"tags"`
		LeaderboardOptIn *bool     `json:"leaderboard_opt_in"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.Update(c.Request.Context(), residentID(c), residents.Patch{
		Nickname: req.Nickname, AvatarURL: req.AvatarURL, Street: req.Street, Community: req.Community,
		BirthYear: req.BirthYear, Tags: req.Tags, LeaderboardOptIn: req.LeaderboardOptIn,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// patchMe is PATCH /me, the same partial update as PUT /me for HTTP
// clients that send PATCH.
func (s *Server) patchMe(c *gin.Context) { s.updateMe(c) }

func (s *Server) bindPhone(c *gin.Context) {
	var req struct {
		Code string `json:"code" binding:"required,max=128"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	phone, err := s.WeChat.PhoneNumber(c.Request.Context(), req.Code)
	if err != nil {
		s.fail(c, wechatError(err, "code"))
		return
	}
	r, err := s.Residents.SetPhone(c.Request.Context(), residentID(c), phone)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) consent(c *gin.Context) {
	var req struct {
		Version string `json:"version" binding:"required"`
	}
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Residents.Consent(c.Request.Context(), residentID(c), req.Version)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) exportMe(c *gin.Context) {
	e, err := s.Residents.Export(c.Request.Context(), residentID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="ifutian-export.json"`)
	c.JSON(http.StatusOK, e)
}

func (s *Server) deleteMe(c *gin.Context) {
	if err := s.Residents.Delete(c.Request.Context(), residentID(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// getResident shows staff one resident within their street scope. Its
// audit entry records the read of personal data.
func (s *Server) getResident(c *gin.Context) {
	r, err := s.Residents.FindForStaff(c.Request.Context(), actor(c).Scope(), pathID(c, "id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
