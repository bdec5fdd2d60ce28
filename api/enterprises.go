package api

import "github.com/gin-gonic/gin"

func (s *Server) publicRating(c *gin.Context) { s.notImplemented(c) }

func (s *Server) requestBinding(c *gin.Context) { s.notImplemented(c) }

func (s *Server) myEnterprises(c *gin.Context) { s.notImplemented(c) }

func (s *Server) getEnterprise(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createObjection(c *gin.Context) { s.notImplemented(c) }

func (s *Server) enterpriseBenefits(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createEnterprise(c *gin.Context) { s.notImplemented(c) }

func (s *Server) importEnterprises(c *gin.Context) { s.notImplemented(c) }

func (s *Server) decideBinding(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createCreditRecord(c *gin.Context) { s.notImplemented(c) }

func (s *Server) decideObjection(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createBenefitProgram(c *gin.Context) { s.notImplemented(c) }
