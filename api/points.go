package api

import "github.com/gin-gonic/gin"

func (s *Server) getAccount(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listTransactions(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listRules(c *gin.Context) { s.notImplemented(c) }

func (s *Server) leaderboard(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listRewards(c *gin.Context) { s.notImplemented(c) }

func (s *Server) redeemReward(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listRedemptions(c *gin.Context) { s.notImplemented(c) }

func (s *Server) cancelRedemption(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createAppeal(c *gin.Context) { s.notImplemented(c) }

func (s *Server) awardPoints(c *gin.Context) { s.notImplemented(c) }

func (s *Server) deductPoints(c *gin.Context) { s.notImplemented(c) }

func (s *Server) decideAppeal(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createReward(c *gin.Context) { s.notImplemented(c) }

func (s *Server) verifyVoucher(c *gin.Context) { s.notImplemented(c) }

func (s *Server) saveRule(c *gin.Context) { s.notImplemented(c) }
