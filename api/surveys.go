package api

import "github.com/gin-gonic/gin"

func (s *Server) createQuestions(c *gin.Context) { s.notImplemented(c) }

func (s *Server) createSurvey(c *gin.Context) { s.notImplemented(c) }

func (s *Server) publishSurvey(c *gin.Context) { s.notImplemented(c) }

func (s *Server) surveyStats(c *gin.Context) { s.notImplemented(c) }

func (s *Server) exportResponses(c *gin.Context) { s.notImplemented(c) }

func (s *Server) missingDeclarations(c *gin.Context) { s.notImplemented(c) }

func (s *Server) listSurveys(c *gin.Context) { s.notImplemented(c) }

func (s *Server) getSurvey(c *gin.Context) { s.notImplemented(c) }

func (s *Server) startAttempt(c *gin.Context) { s.notImplemented(c) }

func (s *Server) submitAttempt(c *gin.Context) { s.notImplemented(c) }

func (s *Server) submitResponse(c *gin.Context) { s.notImplemented(c) }
