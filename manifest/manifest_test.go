package manifest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite color.png and outline.png from ColorIcon/OutlineIcon")

const testAppID = "3f2b6c1e-8a4d-4e5f-9b7a-1c2d3e4f5a6b"

func testOptions() Options {
	return Options{AppID: testAppID, Domain: "graensen.example.kk.dk"}
}

// Schema URLs (as the files' "$schema" give them) and their local copies.
// Copies of microsoft/json-schemas teams/v1.30 at f891f5bf (19 Aug 2026).
var schemaFiles = map[string]string{
	"https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json":              "testdata/MicrosoftTeams.schema.json",
	"https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.Localization.schema.json": "testdata/MicrosoftTeams.Localization.schema.json",
}

// localLoader serves the schema URLs above from testdata and refuses every
// other URL, so the tests never touch the network. The draft-04 meta-schema
// is built into jsonschema and not loaded through here.
type localLoader struct{}

func (localLoader) Load(u string) (any, error) {
	u = strings.Replace(u, "/en-us/json-schemas/", "/json-schemas/", 1)
	file, ok := schemaFiles[u]
	if !ok {
		return nil, fmt.Errorf("no local copy of %s (network access disabled in tests)", u)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// ecmaRegexp is a schema pattern compiled by regexp2 in ECMAScript mode:
// JSON Schema patterns are ECMA-262 regular expressions, and the Teams
// schemas use what Go's RE2 syntax lacks (the negative lookahead of
// nonEmptyString, \uXXXX escapes).
type ecmaRegexp struct{ re *regexp2.Regexp }

func (e ecmaRegexp) String() string { return e.re.String() }

// MatchString reports a match; regexp2 errs only on a timeout or a
// backtracking limit, neither of which is set, so an error is no match.
func (e ecmaRegexp) MatchString(s string) bool {
	ok, err := e.re.MatchString(s)
	return ok && err == nil
}

func regexpEngine(src string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(src, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRegexp{re}, nil
}

func compileSchema(t *testing.T, url string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(localLoader{})
	c.UseRegexpEngine(regexpEngine)
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", url, err)
	}
	return sch
}

func decode(t *testing.T, data []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse JSON: %v", err)
	}
	return v
}

// manifestDoc is the part of the manifest the tests look at.
type manifestDoc struct {
	Schema          string `json:"$schema"`
	ManifestVersion string `json:"manifestVersion"`
	Version         string `json:"version"`
	ID              string `json:"id"`
	AccentColor     string `json:"accentColor"`
	Developer       struct {
		Name, WebsiteURL, PrivacyURL, TermsOfUseURL string
	} `json:"developer"`
	LocalizationInfo struct {
		DefaultLanguageTag  string `json:"defaultLanguageTag"`
		AdditionalLanguages []struct {
			LanguageTag, File string
		} `json:"additionalLanguages"`
	} `json:"localizationInfo"`
	Icons struct{ Color, Outline string } `json:"icons"`
	Bots  []struct {
		BotID              string   `json:"botId"`
		Scopes             []string `json:"scopes"`
		IsNotificationOnly bool     `json:"isNotificationOnly"`
		SupportsFiles      bool     `json:"supportsFiles"`
		CommandLists       []struct {
			Scopes   []string `json:"scopes"`
			Commands []struct {
				Title, Description string
			} `json:"commands"`
		} `json:"commandLists"`
	} `json:"bots"`
	ValidDomains []string `json:"validDomains"`
}

func parseManifest(t *testing.T, data []byte) manifestDoc {
	t.Helper()
	var m manifestDoc
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("unmarshal manifest: %v", err)
	}
	return m
}

func TestManifestValidatesAgainstSchema(t *testing.T) {
	data, err := Manifest(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m := parseManifest(t, data)
	sch := compileSchema(t, m.Schema)
	if err := sch.Validate(decode(t, data)); err != nil {
		t.Fatalf("manifest does not validate against the v1.30 schema:\n%v", err)
	}

	// Draft-04 has no "const"; check manifestVersion by hand.
	if m.ManifestVersion != "1.30" {
		t.Errorf("manifestVersion = %q, want 1.30", m.ManifestVersion)
	}
	if m.ID != testAppID || len(m.Bots) != 1 || m.Bots[0].BotID != testAppID {
		t.Errorf("id/botId not set to the AppID: %q, %+v", m.ID, m.Bots)
	}
	if m.Version != DefaultVersion {
		t.Errorf("version = %q, want default %q", m.Version, DefaultVersion)
	}
	if m.Developer.PrivacyURL != DefaultPrivacyURL || m.Developer.TermsOfUseURL != DefaultTermsURL || m.Developer.WebsiteURL != DefaultDeveloperWebsite {
		t.Errorf("developer URLs not defaulted: %+v", m.Developer)
	}
	if want := fmt.Sprintf("#%02X%02X%02X", AccentColor.R, AccentColor.G, AccentColor.B); m.AccentColor != want {
		t.Errorf("accentColor = %q, but the colour icon uses %q", m.AccentColor, want)
	}
	if got := m.LocalizationInfo; got.DefaultLanguageTag != "da" || len(got.AdditionalLanguages) != 1 ||
		got.AdditionalLanguages[0].LanguageTag != "en" || got.AdditionalLanguages[0].File != EnglishFile {
		t.Errorf("localizationInfo = %+v", got)
	}
	if m.Icons.Color != ColorFile || m.Icons.Outline != OutlineFile {
		t.Errorf("icons = %+v", m.Icons)
	}
	if len(m.ValidDomains) != 1 || m.ValidDomains[0] != "graensen.example.kk.dk" {
		t.Errorf("validDomains = %v", m.ValidDomains)
	}
	b := m.Bots[0]
	if strings.Join(b.Scopes, ",") != "personal,team" || b.IsNotificationOnly || b.SupportsFiles {
		t.Errorf("bot = scopes %v, isNotificationOnly %v, supportsFiles %v", b.Scopes, b.IsNotificationOnly, b.SupportsFiles)
	}
}

// TestSchemaRejectsBrokenManifest makes sure the schema check has teeth.
func TestSchemaRejectsBrokenManifest(t *testing.T) {
	data, err := Manifest(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	sch := compileSchema(t, parseManifest(t, data).Schema)
	for name, mutate := range map[string]func(map[string]any){
		"unknown property": func(m map[string]any) { m["colour"] = "red" },
		"no developer":     func(m map[string]any) { delete(m, "developer") },
		"bad accentColor":  func(m map[string]any) { m["accentColor"] = "indigo" },
		"13 commands": func(m map[string]any) {
			l := m["bots"].([]any)[0].(map[string]any)["commandLists"].([]any)[0].(map[string]any)
			cmds := l["commands"].([]any)
			for len(cmds) < 13 {
				cmds = append(cmds, map[string]any{"title": fmt.Sprint("x", len(cmds))})
			}
			l["commands"] = cmds
		},
	} {
		doc := decode(t, data).(map[string]any)
		mutate(doc)
		if err := sch.Validate(doc); err == nil {
			t.Errorf("%s: broken manifest validated", name)
		}
	}
}

func TestManifestOptionsAreFilledIn(t *testing.T) {
	o := Options{
		AppID:            "  3F2B6C1E-8A4D-4E5F-9B7A-1C2D3E4F5A6B ",
		Version:          "2.10.0",
		Domain:           "bot.graensen.kk.dk",
		DeveloperWebsite: "https://www.kk.dk/",
		PrivacyURL:       "https://www.kk.dk/privat?a=1&b=\"2\"",
		TermsURL:         "https://www.kk.dk/vilkaar",
	}
	data, err := Manifest(o)
	if err != nil {
		t.Fatal(err)
	}
	m := parseManifest(t, data)
	if m.ID != "3F2B6C1E-8A4D-4E5F-9B7A-1C2D3E4F5A6B" || m.Bots[0].BotID != m.ID {
		t.Errorf("id = %q, botId = %q", m.ID, m.Bots[0].BotID)
	}
	if m.Version != "2.10.0" || m.ValidDomains[0] != "bot.graensen.kk.dk" {
		t.Errorf("version %q, domains %v", m.Version, m.ValidDomains)
	}
	if m.Developer.PrivacyURL != o.PrivacyURL || m.Developer.TermsOfUseURL != o.TermsURL || m.Developer.WebsiteURL != o.DeveloperWebsite {
		t.Errorf("developer = %+v", m.Developer)
	}
	if err := compileSchema(t, m.Schema).Validate(decode(t, data)); err != nil {
		t.Errorf("does not validate: %v", err)
	}
}

func TestInvalidOptionsRejected(t *testing.T) {
	cases := map[string]func(*Options){
		"missing AppID":     func(o *Options) { o.AppID = "" },
		"AppID not a GUID":  func(o *Options) { o.AppID = "graensen" },
		"AppID braces":      func(o *Options) { o.AppID = "{" + testAppID + "}" },
		"AppID too short":   func(o *Options) { o.AppID = testAppID[:35] },
		"version 2 parts":   func(o *Options) { o.Version = "1.0" },
		"version prefix v":  func(o *Options) { o.Version = "v1.0.0" },
		"version leading 0": func(o *Options) { o.Version = "1.01.0" },
		"version prerel":    func(o *Options) { o.Version = "1.0.0-beta" },
		"missing Domain":    func(o *Options) { o.Domain = " " },
		"Domain scheme":     func(o *Options) { o.Domain = "https://graensen.kk.dk" },
		"Domain path":       func(o *Options) { o.Domain = "graensen.kk.dk/api" },
		"Domain port":       func(o *Options) { o.Domain = "graensen.kk.dk:443" },
		"Domain one label":  func(o *Options) { o.Domain = "localhost" },
		"Domain quote":      func(o *Options) { o.Domain = `kk.dk"` },
		"privacy http":      func(o *Options) { o.PrivacyURL = "http://www.kk.dk/privat" },
		"terms relative":    func(o *Options) { o.TermsURL = "/vilkaar" },
		"website no host":   func(o *Options) { o.DeveloperWebsite = "https://" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			o := testOptions()
			mutate(&o)
			if err := o.Validate(); err == nil {
				t.Fatal("Validate accepted invalid options")
			}
			if _, err := Manifest(o); err == nil {
				t.Error("Manifest accepted invalid options")
			}
			var buf bytes.Buffer
			if err := Package(o, &buf); err == nil {
				t.Error("Package accepted invalid options")
			}
			if buf.Len() != 0 {
				t.Error("Package wrote output for invalid options")
			}
		})
	}
}

func TestEnglishValidatesAgainstLocalizationSchema(t *testing.T) {
	var loc map[string]any
	if err := json.Unmarshal(English(), &loc); err != nil {
		t.Fatal(err)
	}
	sch := compileSchema(t, loc["$schema"].(string))
	if err := sch.Validate(decode(t, English())); err != nil {
		t.Fatalf("en.json does not validate against the localization schema:\n%v", err)
	}

	// The schema's nonEmptyString uses a lookahead; make sure our regexp
	// engine enforces it rather than silently accepting everything.
	for _, bad := range []string{"null", "  ", ""} {
		loc["name.short"] = bad
		if err := sch.Validate(loc); err == nil {
			t.Errorf("name.short %q accepted", bad)
		}
	}
	loc["name.short"] = "Grænsen"
	loc["bots[0].commandLists[0].commands[12].title"] = "x" // index out of range
	if err := sch.Validate(loc); err == nil {
		t.Error("command index 12 accepted")
	}
}

var locCommandKey = regexp.MustCompile(`^bots\[(\d+)\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\.(title|description)$`)

func TestEnglishKeysMatchManifest(t *testing.T) {
	data, err := Manifest(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m := parseManifest(t, data)
	var loc map[string]string
	if err := json.Unmarshal(English(), &loc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for key := range loc {
		switch key {
		case "$schema", "name.short", "name.full", "description.short", "description.full":
			continue
		}
		g := locCommandKey.FindStringSubmatch(key)
		if g == nil {
			t.Errorf("en.json key %q is not a bot command key", key)
			continue
		}
		var bot, list, cmd int
		fmt.Sscan(g[1], &bot)
		fmt.Sscan(g[2], &list)
		fmt.Sscan(g[3], &cmd)
		if bot >= len(m.Bots) || list >= len(m.Bots[bot].CommandLists) || cmd >= len(m.Bots[bot].CommandLists[list].Commands) {
			t.Errorf("en.json key %q points at no command in the manifest", key)
			continue
		}
		seen[key] = true
	}
	// Every command is translated, title and description.
	for i, l := range m.Bots[0].CommandLists {
		for j := range l.Commands {
			for _, f := range []string{"title", "description"} {
				if key := fmt.Sprintf("bots[0].commandLists[%d].commands[%d].%s", i, j, f); !seen[key] {
					t.Errorf("en.json lacks %s", key)
				}
			}
		}
	}
	for _, k := range []string{"name.short", "name.full", "description.short", "description.full"} {
		if loc[k] == "" {
			t.Errorf("en.json lacks %s", k)
		}
	}
}

func TestCommandLists(t *testing.T) {
	data, err := Manifest(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m := parseManifest(t, data)
	want := map[string][]string{
		"personal": {"menu", "hjælp", "hvor går grænsen", "anmeld", "kvittering", "leder", "påmindelser", "sprog", "english"},
		"team":     {"menu", "hjælp", "indbakke", "kampagne"},
	}
	lists := m.Bots[0].CommandLists
	if len(lists) == 0 || len(lists) > 3 {
		t.Fatalf("%d command lists", len(lists))
	}
	for _, l := range lists {
		if len(l.Commands) > 12 {
			t.Errorf("command list %v has %d commands, max 12", l.Scopes, len(l.Commands))
		}
		if len(l.Scopes) != 1 {
			t.Errorf("command list scopes %v, want one scope per list", l.Scopes)
			continue
		}
		titles := map[string]bool{}
		for _, c := range l.Commands {
			if titles[c.Title] {
				t.Errorf("%s: duplicate command %q", l.Scopes[0], c.Title)
			}
			titles[c.Title] = true
			if c.Title != strings.ToLower(strings.TrimSpace(c.Title)) || utf8.RuneCountInString(c.Title) > 32 {
				t.Errorf("%s: command title %q should be short, lower case, what users type", l.Scopes[0], c.Title)
			}
			if c.Description == "" {
				t.Errorf("%s: command %q has no description", l.Scopes[0], c.Title)
			}
		}
		for _, w := range want[l.Scopes[0]] {
			if !titles[w] {
				t.Errorf("%s: missing command %q", l.Scopes[0], w)
			}
		}
		delete(want, l.Scopes[0])
	}
	if len(want) != 0 {
		t.Errorf("no command list for %v", want)
	}
}

func TestPackage(t *testing.T) {
	var buf bytes.Buffer
	if err := Package(testOptions(), &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		files[f.Name] = b.Bytes()
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if got, want := strings.Join(names, " "), "color.png en.json manifest.json outline.png"; got != want {
		t.Fatalf("zip holds %q, want exactly %q at the root", got, want)
	}
	m := parseManifest(t, files[ManifestFile])
	if m.ID != testAppID || m.Bots[0].BotID != testAppID {
		t.Errorf("zipped manifest id %q botId %q", m.ID, m.Bots[0].BotID)
	}
	if !bytes.Equal(files[EnglishFile], englishJSON) {
		t.Error("zipped en.json differs")
	}
	for name, size := range map[string]int{ColorFile: ColorIconSize, OutlineFile: OutlineIconSize} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s is %v, want %d×%d", name, b.Size(), size, size)
		}
	}
	// Reproducible: same options, same bytes.
	var again bytes.Buffer
	if err := Package(testOptions(), &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("Package output is not reproducible")
	}
}

func TestTextLengths(t *testing.T) {
	data, err := Manifest(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Developer   struct{ Name string }
		Name        struct{ Short, Full string }
		Description struct{ Short, Full string }
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var en map[string]string
	if err := json.Unmarshal(English(), &en); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, s string
		max     int
	}{
		{"developer.name", m.Developer.Name, 32},
		{"name.short", m.Name.Short, 30},
		{"name.full", m.Name.Full, 100},
		{"description.short", m.Description.Short, 80},
		{"description.full", m.Description.Full, 4000},
		{"en name.short", en["name.short"], 30},
		{"en name.full", en["name.full"], 100},
		{"en description.short", en["description.short"], 80},
		{"en description.full", en["description.full"], 4000},
	} {
		if n := utf8.RuneCountInString(c.s); n == 0 || n > c.max {
			t.Errorf("%s has %d characters, want 1..%d", c.what, n, c.max)
		}
	}
	if !strings.Contains(m.Description.Short, "anonym") || !strings.Contains(m.Description.Full, "anonym") {
		t.Error("Danish descriptions should say that reporting is anonymous")
	}
	if !strings.Contains(en["description.short"], "anonymous") || !strings.Contains(en["description.full"], "anonymous") {
		t.Error("English descriptions should say that reporting is anonymous")
	}
}

func toNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.SetNRGBA(x, y, color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA))
		}
	}
	return out
}

func TestOutlineIcon(t *testing.T) {
	img := toNRGBA(OutlineIcon())
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
		t.Fatalf("outline icon is %v, want 32×32", b.Size())
	}
	var transparent, opaque, partial int
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			c := img.NRGBAAt(x, y)
			switch {
			case c.A == 0:
				transparent++
				continue
			case c.A == 255:
				opaque++
			default:
				partial++
			}
			if c.R != 255 || c.G != 255 || c.B != 255 {
				t.Fatalf("pixel (%d,%d) = %v, want white", x, y, c)
			}
		}
	}
	if transparent == 0 || opaque == 0 {
		t.Errorf("outline: %d transparent, %d opaque pixels; want both", transparent, opaque)
	}
	t.Logf("outline: %d transparent, %d opaque, %d anti-aliased pixels", transparent, opaque, partial)
}

func TestColorIcon(t *testing.T) {
	img := toNRGBA(ColorIcon())
	if b := img.Bounds(); b.Dx() != 192 || b.Dy() != 192 {
		t.Fatalf("colour icon is %v, want 192×192", b.Size())
	}
	colours := map[color.NRGBA]bool{}
	for y := 0; y < 192; y++ {
		for x := 0; x < 192; x++ {
			c := img.NRGBAAt(x, y)
			if c.A != 255 {
				t.Fatalf("pixel (%d,%d) = %v; the colour icon should be opaque (full bleed)", x, y, c)
			}
			colours[c] = true
		}
	}
	if len(colours) < 3 {
		t.Errorf("colour icon has %d colours; want background, line and post", len(colours))
	}
	if img.NRGBAAt(0, 0) != AccentColor || img.NRGBAAt(96, 40) != AccentColor {
		t.Error("background is not the accent colour")
	}
	if img.NRGBAAt(50, 112) != white || img.NRGBAAt(140, 112) != white || img.NRGBAAt(96, 80) != markerColor {
		t.Error("mark not where expected")
	}
	// The mark stays inside the 120×120 safe area (36..156).
	for y := 0; y < 192; y++ {
		for x := 0; x < 192; x++ {
			if (x < 36 || x >= 156 || y < 36 || y >= 156) && img.NRGBAAt(x, y) != AccentColor {
				t.Fatalf("pixel (%d,%d) outside the safe area is not background", x, y)
			}
		}
	}
}

// TestIconFilesUpToDate checks that the committed color.png and outline.png
// are exactly what ColorIcon and OutlineIcon draw. With -update (go generate)
// it rewrites them instead.
func TestIconFilesUpToDate(t *testing.T) {
	for _, f := range []struct {
		name     string
		img      image.Image
		embedded []byte
	}{
		{ColorFile, ColorIcon(), colorPNG},
		{OutlineFile, OutlineIcon(), outlinePNG},
	} {
		if *update {
			var buf bytes.Buffer
			enc := png.Encoder{CompressionLevel: png.BestCompression}
			if err := enc.Encode(&buf, f.img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(".", f.name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", f.name, buf.Len())
			continue
		}
		onDisk, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(onDisk, f.embedded) {
			t.Errorf("%s: embedded copy differs from the file (rebuild)", f.name)
		}
		committed, err := png.Decode(bytes.NewReader(onDisk))
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		want, got := toNRGBA(f.img), toNRGBA(committed)
		if want.Bounds() != got.Bounds() || !bytes.Equal(want.Pix, got.Pix) {
			t.Errorf("%s is out of date with the drawing code; run `go generate ./manifest/`", f.name)
		}
	}
}

// With proactive installation the manifest carries webApplicationInfo
// (the app id and its resource URI), valid against the v1.30 schema;
// without it, none.
func TestWebApplicationInfoForProactiveInstallation(t *testing.T) {
	for _, on := range []bool{false, true} {
		o := testOptions()
		o.ProactiveInstall = on
		data, err := Manifest(o)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			WebApplicationInfo *struct{ ID, Resource string } `json:"webApplicationInfo"`
			Schema             string                         `json:"$schema"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if err := compileSchema(t, m.Schema).Validate(decode(t, data)); err != nil {
			t.Fatalf("proactive %v: does not validate: %v", on, err)
		}
		switch {
		case !on && m.WebApplicationInfo != nil:
			t.Fatalf("webApplicationInfo without proactive installation: %+v", m.WebApplicationInfo)
		case on && (m.WebApplicationInfo == nil || m.WebApplicationInfo.ID != testAppID || m.WebApplicationInfo.Resource != "api://graensen.example.kk.dk/"+testAppID):
			t.Fatalf("webApplicationInfo = %+v", m.WebApplicationInfo)
		}
	}
	o := testOptions()
	o.ProactiveInstall, o.Resource = true, "api://x y"
	if _, err := Manifest(o); err == nil {
		t.Fatal("a resource with a space was accepted")
	}
}
