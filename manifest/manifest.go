// Package manifest builds the Microsoft Teams app package for Grænsen: the
// app manifest (schema v1.30, Danish as the default language), the English
// localization file, and the two app icons, zipped the way Teams expects
// (all files at the root of the zip).
//
// The manifest is kept as an embedded JSON template (manifest.tmpl.json)
// with a few {{placeholders}} that [Manifest] fills in from [Options]. The
// icons are drawn by Go code ([ColorIcon], [OutlineIcon]); the rendered PNGs
// are committed next to the code and a test keeps them identical to fresh
// renders. Regenerate them with `go generate ./manifest/`.
package manifest

//go:generate go test -run ^TestIconFilesUpToDate$ . -args -update

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Default values used when the corresponding [Options] field is empty. The
// URLs are placeholders: replace them with the real pages before the app is
// published in the organisation's app catalogue.
const (
	DefaultVersion          = "1.0.0"
	DefaultDeveloperWebsite = "https://www.kk.dk/graensen"
	DefaultPrivacyURL       = "https://www.kk.dk/graensen/privatlivspolitik"
	DefaultTermsURL         = "https://www.kk.dk/graensen/vilkaar"
)

// File names inside the app package (zip root).
const (
	ManifestFile = "manifest.json"
	EnglishFile  = "en.json"
	ColorFile    = "color.png"
	OutlineFile  = "outline.png"
)

var (
	//go:embed manifest.tmpl.json
	manifestTemplate string
	//go:embed en.json
	englishJSON []byte
	//go:embed color.png
	colorPNG []byte
	//go:embed outline.png
	outlinePNG []byte
)

// Options are the deployment-specific values of the app package.
type Options struct {
	// AppID is the app's GUID; it is used both as the manifest id and as the
	// bot's botId (the Entra ID / Azure Bot app registration). Required.
	AppID string
	// Version is the app version, MAJOR.MINOR.PATCH (no pre-release or build
	// suffix; Teams rejects them). Default [DefaultVersion].
	Version string
	// Domain is the bot's own host name, e.g. graensen.example.kk.dk,
	// without scheme, port or path. It is listed in validDomains. Required.
	Domain string
	// DeveloperWebsite, PrivacyURL and TermsURL are https URLs shown in the
	// app details. Defaults [DefaultDeveloperWebsite], [DefaultPrivacyURL],
	// [DefaultTermsURL].
	DeveloperWebsite, PrivacyURL, TermsURL string
	// ProactiveInstall adds webApplicationInfo {id: AppID, resource:
	// Resource}, which Teams requires for the Graph permission
	// TeamsAppInstallation.ReadWriteSelfForUser.All (campaigns install
	// the app for recipients without it; GRAENSEN_TEAMS_APP_ID).
	ProactiveInstall bool
	// Resource is webApplicationInfo.resource (default
	// api://<Domain>/<AppID>, the app registration's Application ID URI).
	Resource string
}

// Patterns taken from the v1.30 manifest schema (definitions guid, semver).
var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	semverRE = regexp.MustCompile(`^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$`)
	// hostRE is a DNS host name with at least two labels.
	hostRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
)

// withDefaults returns opts with empty optional fields set to their defaults
// and surrounding white space removed.
func (o Options) withDefaults() Options {
	def := func(s, d string) string {
		if s = strings.TrimSpace(s); s == "" {
			return d
		}
		return s
	}
	o.AppID = strings.TrimSpace(o.AppID)
	o.Domain = strings.TrimSpace(o.Domain)
	o.Version = def(o.Version, DefaultVersion)
	o.DeveloperWebsite = def(o.DeveloperWebsite, DefaultDeveloperWebsite)
	o.PrivacyURL = def(o.PrivacyURL, DefaultPrivacyURL)
	o.TermsURL = def(o.TermsURL, DefaultTermsURL)
	o.Resource = def(o.Resource, "api://"+o.Domain+"/"+o.AppID)
	return o
}

// Validate reports whether the options (after defaults) can produce a valid
// manifest. All problems are reported together.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	switch {
	case o.AppID == "":
		errs = append(errs, errors.New("manifest: AppID is required"))
	case !guidRE.MatchString(o.AppID):
		errs = append(errs, fmt.Errorf("manifest: AppID %q is not a GUID", o.AppID))
	}
	if len(o.Version) > 256 || !semverRE.MatchString(o.Version) {
		errs = append(errs, fmt.Errorf("manifest: Version %q is not MAJOR.MINOR.PATCH", o.Version))
	}
	switch {
	case o.Domain == "":
		errs = append(errs, errors.New("manifest: Domain is required"))
	case len(o.Domain) > 253 || !hostRE.MatchString(o.Domain):
		errs = append(errs, fmt.Errorf("manifest: Domain %q is not a host name (no scheme, port or path)", o.Domain))
	}
	for _, u := range []struct{ name, val string }{
		{"DeveloperWebsite", o.DeveloperWebsite},
		{"PrivacyURL", o.PrivacyURL},
		{"TermsURL", o.TermsURL},
	} {
		if err := checkURL(u.val); err != nil {
			errs = append(errs, fmt.Errorf("manifest: %s: %w", u.name, err))
		}
	}
	if o.ProactiveInstall && (len(o.Resource) > 2048 || strings.ContainsAny(o.Resource, " \t\n\"")) {
		errs = append(errs, fmt.Errorf("manifest: Resource %q is not a resource URI", o.Resource))
	}
	return errors.Join(errs...)
}

// checkURL accepts absolute https URLs with a host, up to 2048 characters.
func checkURL(s string) error {
	if len(s) > 2048 {
		return errors.New("URL longer than 2048 characters")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an absolute https URL", s)
	}
	return nil
}

// jsonString returns s encoded as the inside of a JSON string literal.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// Manifest returns the manifest.json for opts: the embedded template with
// app id, bot id, version, domain and developer URLs filled in.
func Manifest(opts Options) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	r := strings.NewReplacer(
		"{{appId}}", jsonString(o.AppID),
		"{{version}}", jsonString(o.Version),
		"{{domain}}", jsonString(o.Domain),
		"{{developerWebsite}}", jsonString(o.DeveloperWebsite),
		"{{privacyUrl}}", jsonString(o.PrivacyURL),
		"{{termsUrl}}", jsonString(o.TermsURL),
		"{{webApplicationInfo}}", webApplicationInfo(o),
	)
	out := r.Replace(manifestTemplate)
	if i := strings.Index(out, "{{"); i >= 0 {
		return nil, fmt.Errorf("manifest: unfilled placeholder in template at byte %d", i)
	}
	if !json.Valid([]byte(out)) {
		return nil, errors.New("manifest: template does not produce valid JSON")
	}
	return []byte(out), nil
}

// English returns the English localization file (en.json).
func English() []byte { return bytes.Clone(englishJSON) }

// zipTime is the fixed modification time of the files in the package, so
// the same options always give the same bytes.
var zipTime = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Package writes the Teams app package for opts to w: a zip with
// manifest.json, en.json, color.png and outline.png at its root.
func Package(opts Options, w io.Writer) error {
	m, err := Manifest(opts)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{ManifestFile, m},
		{EnglishFile, englishJSON},
		{ColorFile, colorPNG},
		{OutlineFile, outlinePNG},
	} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fmt.Errorf("manifest: zip %s: %w", f.name, err)
		}
		if _, err := fw.Write(f.data); err != nil {
			return fmt.Errorf("manifest: zip %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("manifest: zip: %w", err)
	}
	return nil
}

// webApplicationInfo is the manifest's webApplicationInfo entry (with its
// trailing comma) when proactive installation is on, else "".
// https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages
func webApplicationInfo(o Options) string {
	if !o.ProactiveInstall {
		return ""
	}
	return "\n  \"webApplicationInfo\": {\n    \"id\": \"" + jsonString(o.AppID) + "\",\n    \"resource\": \"" + jsonString(o.Resource) + "\"\n  },"
}
