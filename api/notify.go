package api

import "github.com/gin-gonic/gin"

func (s *Server) saveSubscriptions(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listSubscriptions(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) previewAudience(c *gin.Context) { s.notImplemented(c) }

func (s *Server) submitNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) approveNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) rejectNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) withdrawNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) noticeStats(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listInbox(c *gin.Context) { s.notImplemented(c) }

func (s *Server) unreadCount(c *gin.Context) { s.notImplemented(c) }

func (s *Server) getNotice(c *gin.Context) { s.notImplemented(c) }

func (s *Server) ackNotice(c *gin.Context) { s.notImplemented(c) }
