package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kk/graensen/manifest"
)

// manifestCmd writes the Teams app package: manifest.json, en.json and the
// two icons in a zip, with the app id and version filled in.
func manifestCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o manifest.Options
	fs.StringVar(&o.AppID, "app-id", os.Getenv("MicrosoftAppId"), "the bot's Microsoft App ID (a GUID)")
	fs.StringVar(&o.Version, "version", "1.0.0", "the app package version (semver)")
	fs.StringVar(&o.Domain, "domain", "", "the bot's public host name, e.g. graensen.kk.dk")
	fs.StringVar(&o.DeveloperWebsite, "website", "", "developer website URL")
	fs.StringVar(&o.PrivacyURL, "privacy", "", "privacy statement URL")
	fs.StringVar(&o.TermsURL, "terms", "", "terms of use URL")
	fs.BoolVar(&o.ProactiveInstall, "proactive-install", os.Getenv("GRAENSEN_TEAMS_APP_ID") != "", "add webApplicationInfo for proactive installation (TeamsAppInstallation.ReadWriteSelfForUser.All; default on when GRAENSEN_TEAMS_APP_ID is set)")
	fs.StringVar(&o.Resource, "resource", "", "webApplicationInfo.resource (default api://<domain>/<app id>)")
	out := fs.String("out", "graensen.zip", "the zip file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create package: %w", err)
	}
	if err := manifest.Package(o, f); err != nil {
		f.Close()
		os.Remove(*out)
		return fmt.Errorf("build package: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write package: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (app %s, version %s)\n", *out, o.AppID, o.Version)
	return nil
}
