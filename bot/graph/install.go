package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
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
