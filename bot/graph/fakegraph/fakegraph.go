// Package fakegraph is a fake Microsoft Graph for tests and local runs:
// groups with (nested) user members served through
// /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user with
// @odata.nextLink paging, group look-up and $search, an app-only token
// endpoint, throttling (429 with Retry-After) on demand, and the app's
// installation for users (install: 201/409/403; the installation and its
// 1:1 chat).
package fakegraph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Server is the fake. Set fields before Start; Groups may change later
// under Mu.
type Server struct {
	Mu sync.Mutex
	// Groups maps a group's object id to its display name and members:
	// user object ids, or "group:<id>" for a nested group.
	Groups map[string]Group
	// PageSize is the page size served (default 999, capped by $top).
	PageSize int
	// ThrottleEvery answers every n-th member request with 429 (0: never).
	ThrottleEvery int
	// RetryAfter is the Retry-After sent with a 429 (default "1").
	RetryAfter string
	// Token, when set, is the bearer token required (served by /token).
	Token string
	// AppID is the Teams app id installations must name; Installed the
	// users who have it (409), Refused users whose installation is
	// refused with 403 (e.g. an app permission policy). OnInstall, when
	// set, is called (in its own goroutine) after an installation, as
	// Teams would then send the bot an installationUpdate.
	AppID     string
	Installed map[string]bool
	Refused   map[string]bool
	OnInstall func(userID string)
	// Chats maps a user who has the app to the id of their 1:1 chat with
	// it, served through installedApps?$expand=teamsApp&$filter=… and
	// installedApps/{installation-id}/chat (404 for a user without one).
	Chats map[string]string

	installs, chatLookups atomic.Int64

	srv                *httptest.Server
	requests, throttle atomic.Int64
}

// Group is a fake group.
type Group struct {
	Name    string
	Members []string
}

// Start starts the server.
func Start(s *Server) *Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		tok := s.Token
		if tok == "" {
			tok = "fake"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user", s.members)
	mux.HandleFunc("GET /v1.0/groups/{id}", s.group)
	mux.HandleFunc("GET /v1.0/groups", s.search)
	mux.HandleFunc("POST /v1.0/users/{id}/teamwork/installedApps", s.install)
	mux.HandleFunc("GET /v1.0/users/{id}/teamwork/installedApps", s.installedApps)
	mux.HandleFunc("GET /v1.0/users/{id}/teamwork/installedApps/{inst}/chat", s.chat)
	s.srv = httptest.NewServer(s.auth(mux))
	return s
}

// URL is the base URL (GRAENSEN_GRAPH_URL); the token endpoint is URL()+"/token".
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests counts member-page requests; Throttled the 429s among them.
func (s *Server) Requests() int64  { return s.requests.Load() }
func (s *Server) Throttled() int64 { return s.throttle.Load() }

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" && r.URL.Path != "/token" && r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeErr(w, http.StatusUnauthorized, "InvalidAuthenticationToken")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": code}})
}

// users flattens a group's members (nested groups once each).
func (s *Server) users(id string, seen map[string]bool, out *[]string, dedup map[string]bool) {
	if seen[id] {
		return
	}
	seen[id] = true
	for _, m := range s.Groups[id].Members {
		if g, ok := strings.CutPrefix(m, "group:"); ok {
			s.users(g, seen, out, dedup)
			continue
		}
		if !dedup[m] {
			dedup[m] = true
			*out = append(*out, m)
		}
	}
}

func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if s.ThrottleEvery > 0 && n%int64(s.ThrottleEvery) == 0 {
		s.throttle.Add(1)
		ra := s.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		writeErr(w, http.StatusTooManyRequests, "TooManyRequests")
		return
	}
	id := r.PathValue("id")
	s.Mu.Lock()
	_, ok := s.Groups[id]
	var all []string
	if ok {
		s.users(id, map[string]bool{}, &all, map[string]bool{})
	}
	s.Mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, "Request_ResourceNotFound")
		return
	}
	size := s.PageSize
	if size <= 0 {
		size = 999
	}
	if top, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && top > 0 && top < size {
		size = top
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	end := min(skip+size, len(all))
	vals := make([]map[string]string, 0, end-skip)
	for _, u := range all[skip:end] {
		vals = append(vals, map[string]string{"@odata.type": "#microsoft.graph.user", "id": u})
	}
	page := map[string]any{"value": vals}
	if end < len(all) {
		page["@odata.nextLink"] = s.srv.URL + r.URL.Path + "?$select=id&$top=" + strconv.Itoa(size) + "&$skiptoken=" + strconv.Itoa(end)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// Installs counts the installations made (201s).
func (s *Server) Installs() int64 { return s.installs.Load() }

func (s *Server) install(w http.ResponseWriter, r *http.Request) {
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil ||
		body["teamsApp@odata.bind"] != s.srv.URL+"/v1.0/appCatalogs/teamsApps/"+s.AppID {
		writeErr(w, http.StatusBadRequest, "BadRequest")
		return
	}
	id := r.PathValue("id")
	s.Mu.Lock()
	if s.Installed == nil {
		s.Installed = map[string]bool{}
	}
	refused, already := s.Refused[id], s.Installed[id]
	if !refused && !already {
		s.Installed[id] = true
	}
	s.Mu.Unlock()
	switch {
	case refused:
		writeErr(w, http.StatusForbidden, "Forbidden")
	case already:
		writeErr(w, http.StatusConflict, "Conflict")
	default:
		s.installs.Add(1)
		w.WriteHeader(http.StatusCreated)
		if s.OnInstall != nil {
			go s.OnInstall(id)
		}
	}
}

// ChatLookups counts the chat requests answered with a chat.
func (s *Server) ChatLookups() int64 { return s.chatLookups.Load() }

// installationID is the fake id of a user's installation of the app.
func installationID(user string) string { return "inst-" + user }

// installedApps lists the user's installation of the app when the query
// asks for it as Graph documents ($expand=teamsApp, $filter=teamsApp/id eq '…').
func (s *Server) installedApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("$expand") != "teamsApp" || q.Get("$filter") != "teamsApp/id eq '"+s.AppID+"'" {
		writeErr(w, http.StatusBadRequest, "BadRequest")
		return
	}
	id := r.PathValue("id")
	s.Mu.Lock()
	has := s.Installed[id]
	s.Mu.Unlock()
	vals := []map[string]any{}
	if has {
		vals = append(vals, map[string]any{"id": installationID(id), "teamsApp": map[string]string{"id": s.AppID, "displayName": "Grænsen"}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"value": vals})
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.Mu.Lock()
	chat, ok := s.Chats[id]
	ok = ok && s.Installed[id] && r.PathValue("inst") == installationID(id)
	s.Mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, "NotFound")
		return
	}
	s.chatLookups.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": chat, "chatType": "oneOnOne"})
}

func (s *Server) group(w http.ResponseWriter, r *http.Request) {
	s.Mu.Lock()
	g, ok := s.Groups[r.PathValue("id")]
	s.Mu.Unlock()
	if !ok {
		writeErr(w, http.StatusNotFound, "Request_ResourceNotFound")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "displayName": g.Name})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("ConsistencyLevel") != "eventual" {
		writeErr(w, http.StatusBadRequest, "Request_UnsupportedQuery")
		return
	}
	q := strings.Trim(strings.TrimPrefix(strings.Trim(r.URL.Query().Get("$search"), `"`), "displayName:"), " ")
	var vals []map[string]string
	s.Mu.Lock()
	for id, g := range s.Groups {
		if q != "" && strings.Contains(strings.ToLower(g.Name), strings.ToLower(q)) {
			vals = append(vals, map[string]string{"id": id, "displayName": g.Name})
		}
	}
	s.Mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"value": vals})
}
