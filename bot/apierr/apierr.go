// Package apierr is the error body of the admin API (campaigns, feedback,
// statistics): one stable JSON shape, documented in docs/campaigns.md,
//
//	{"error": {"code": "unavailable", "message": "the store is unavailable; try again"}}
//
// where code is one of the constants below and message a fixed English
// sentence for people, or, where a request is refused for a reason of its
// own, that reason's fixed problem id (a campaign spec's, a scope's or an
// approval's, such as campaign.approve.self). Neither ever carries an
// internal error's text: the cause of a failure is logged once, here, and
// the client gets the code.
package apierr

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The codes of the error body; a client branches on these.
const (
	BadRequest   = "bad_request"  // 400: the request is malformed or its content invalid
	Unauthorized = "unauthorized" // 401: no valid Entra token
	Forbidden    = "forbidden"    // 403: a valid token, but not a configured admin
	NotFound     = "not_found"    // 404: no such campaign
	Conflict     = "conflict"     // 409: the campaign's state does not allow this (now)
	TooLarge     = "too_large"    // 413: the body is over the limit
	Unavailable  = "unavailable"  // 503: the store cannot be reached; retry later
)

// Body is the error body.
type Body struct {
	Error Detail `json:"error"`
}

// Detail is the error body's content.
type Detail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Write answers status with the error body (and aborts the handler chain).
func Write(c *gin.Context, status int, code, message string) {
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", "Bearer")
	}
	c.AbortWithStatusJSON(status, Body{Error: Detail{Code: code, Message: message}})
}

// Fail logs err once (at warn, with the route's name and without the
// request's ids or text) and answers 503 unavailable: the API's answer to
// every failure that is not the client's.
func Fail(c *gin.Context, log *slog.Logger, what string, err error) {
	if log == nil {
		log = slog.Default()
	}
	log.Warn("admin api: "+what+" failed", "route", c.FullPath(), "err", err)
	Write(c, http.StatusServiceUnavailable, Unavailable, "the store is unavailable; try again later")
}

// Auth answers a failed authentication: 403 forbidden when the token is
// valid but not an admin's, 401 unauthorized otherwise.
func Auth(c *gin.Context, forbidden bool) {
	if forbidden {
		Write(c, http.StatusForbidden, Forbidden, "not a configured admin")
		return
	}
	Write(c, http.StatusUnauthorized, Unauthorized, "a valid Entra ID bearer token is needed")
}
