package main

import (
	"context"
	"flag"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/connector/client"
	"github.com/infracloudio/msbotbuilder-go/core"
	"github.com/infracloudio/msbotbuilder-go/core/activity"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// echoMain is the stateless echo bot of the comparison, as msbotbuilder-go
// v0.2.5's samples/echobot writes it: the SDK's adapter parses the request,
// its activity handler answers "Echo: <text>", and the adapter sends the
// reply to the activity's serviceUrl before the webhook answers. The one
// change is where the adapter gets its outbound token: the sample's
// NewBotAdapter fixes login.microsoftonline.com, so the adapter is built
// from the same parts with the fake connector's token endpoint.
func echoMain(args []string) error {
	fs := flag.NewFlagSet("echobot", flag.ExitOnError)
	port := fs.String("port", "3979", "HTTP port")
	tokenURL := fs.String("token-url", "", "the token endpoint for outbound calls")
	_ = fs.Parse(args)

	setting := core.AdapterSetting{ChannelService: auth.ChannelService}
	setting.CredentialProvider = auth.SimpleCredentialProvider{AppID: setting.AppID, Password: setting.AppPassword}
	cc, err := client.NewClientConfig(setting.CredentialProvider, *tokenURL)
	if err != nil {
		return err
	}
	conn, err := client.NewClient(cc)
	if err != nil {
		return err
	}
	var adapter core.Adapter = &core.BotFrameworkAdapter{AdapterSetting: setting, TokenValidator: auth.NewJwtTokenValidator(), Client: conn}
	handler := activity.HandlerFuncs{
		OnMessageFunc: func(turn *activity.TurnContext) (schema.Activity, error) {
			return turn.SendActivity(activity.MsgOptionText("Echo: " + turn.Activity.Text))
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /api/messages", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		act, err := adapter.ParseRequest(ctx, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := adapter.ProcessActivity(ctx, act, handler); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	})
	srv := &http.Server{Addr: "127.0.0.1:" + *port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
