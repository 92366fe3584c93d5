package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Proactive installation of the bot's Teams app for a user (issue 15),
// with the application permission TeamsAppInstallation.ReadWriteSelfForUser.All:
//
//	POST /v1.0/users/{user-id}/teamwork/installedApps
//	{"teamsApp@odata.bind": "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{teamsAppId}"}
//
// 201 installs it (Teams then sends the bot an installationUpdate with the
// new 1:1 conversation); 409 means it is already installed.
// https://learn.microsoft.com/en-us/graph/api/userteamwork-post-installedapps
// https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages

// Installer installs one Teams app (by its id in the tenant's app
// catalog) for users.
type Installer struct {
	Client *Client
	AppID  string
}

// Install installs the app in the personal scope of the user with Entra
// object id userID. already is true when Graph answers 409 (installed
// before). Other refusals are *StatusError (403: blocked by policy or no
// permission; 404: unknown user or app).
func (in Installer) Install(ctx context.Context, userID string) (already bool, err error) {
	if !ValidID(userID) {
		return false, ErrNotFound
	}
	body, _ := json.Marshal(map[string]string{"teamsApp@odata.bind": in.Client.base + "/v1.0/appCatalogs/teamsApps/" + url.PathEscape(in.AppID)})
	_, err = in.Client.Do(ctx, http.MethodPost, in.Client.base+"/v1.0/users/"+userID+"/teamwork/installedApps", nil, body)
	var se *StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusConflict {
		return true, nil
	}
	return false, err
}

// Chat finds the 1:1 chat between the user (Entra object id userID) and
// the app, for a user who has the app (Install answered 409) but whose
// conversation the bot does not know (TeamsAppInstallation.ReadForUser.All,
// included in ReadWriteSelfForUser.All):
//
//	GET /v1.0/users/{user-id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '{teamsAppId}'
//	GET /v1.0/users/{user-id}/teamwork/installedApps/{app-installation-id}/chat
//
// The chat's id is the conversation id the Bot Connector takes. It wraps
// ErrNotFound when the app is not installed for the user or has no chat.
// https://learn.microsoft.com/en-us/graph/api/userteamwork-list-installedapps
// https://learn.microsoft.com/en-us/graph/api/userscopeteamsappinstallation-get-chat
func (in Installer) Chat(ctx context.Context, userID string) (chatID string, err error) {
	if !ValidID(userID) {
		return "", ErrNotFound
	}
	base := in.Client.base + "/v1.0/users/" + userID + "/teamwork/installedApps"
	q := url.Values{"$expand": {"teamsApp"}, "$filter": {"teamsApp/id eq '" + strings.ReplaceAll(in.AppID, "'", "''") + "'"}}
	var list struct {
		Value []struct {
			ID       string `json:"id"`
			TeamsApp struct {
				ID string `json:"id"`
			} `json:"teamsApp"`
		} `json:"value"`
	}
	if err := in.Client.getJSON(ctx, base+"?"+q.Encode(), nil, &list); err != nil {
		return "", err
	}
	inst := ""
	for _, v := range list.Value {
		if strings.EqualFold(v.TeamsApp.ID, in.AppID) && v.ID != "" {
			inst = v.ID
			break
		}
	}
	if inst == "" {
		return "", fmt.Errorf("%w: the app is not installed for the user", ErrNotFound)
	}
	var chat struct {
		ID string `json:"id"`
	}
	if err := in.Client.getJSON(ctx, base+"/"+url.PathEscape(inst)+"/chat?$select=id", nil, &chat); err != nil {
		return "", err
	}
	if chat.ID == "" {
		return "", fmt.Errorf("%w: no chat", ErrNotFound)
	}
	return chat.ID, nil
}
