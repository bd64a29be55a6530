// Package docker_test checks the Dockerfile, its ignore file and the compose
// file without a Docker engine (none runs in CI): the stages, what enters the
// build context, health checks, the non-root data directory, and that
// production settings come from the operator. build-local.sh then runs the
// stages' commands on the context these tests select.
package docker_test

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

type instruction struct {
	cmd  string // upper case
	args string
}

type stage struct {
	from, name string
	steps      []instruction
}

func (s stage) find(cmd string, contains ...string) (int, instruction) {
	for i, in := range s.steps {
		if in.cmd != cmd {
			continue
		}
		ok := true
		for _, c := range contains {
			ok = ok && strings.Contains(in.args, c)
		}
		if ok {
			return i, in
		}
	}
	return -1, instruction{}
}

// parseDockerfile reads instructions (continuation lines joined, comments
// dropped) and groups them by stage.
func parseDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []stage
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") || (l == "" && line == "") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			line += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		line += l
		cmd, args, _ := strings.Cut(line, " ")
		line = ""
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s before FROM", in.cmd)
		}
		stages[len(stages)-1].steps = append(stages[len(stages)-1].steps, in)
	}
	return stages
}

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, "Dockerfile")
	if len(stages) != 3 {
		t.Fatalf("%d stages, want console, build and the runtime", len(stages))
	}
	console, build, runtime := stages[0], stages[1], stages[2]

	// The console: Node new enough for Vite, dependencies from the lockfile
	// (copied alone first so the layer caches), then the build into public/app.
	if m := regexp.MustCompile(`^node:(\d+)`).FindStringSubmatch(console.from); m == nil || m[1] < "22" {
		t.Fatalf("console stage FROM %s: want node:22 or later (Vite needs Node >= 20.19)", console.from)
	}
	lock, _ := console.find("COPY", "package-lock.json")
	ci, _ := console.find("RUN", "npm ci")
	all, _ := console.find("COPY", "web-admin/ ")
	npmBuild, _ := console.find("RUN", "npm run build")
	if lock < 0 || ci < lock || all < ci || npmBuild < all {
		t.Fatalf("console stage: want COPY package-lock.json, RUN npm ci, COPY web-admin/, RUN npm run build in that order: %+v", console.steps)
	}
	_, wd := console.find("WORKDIR")
	vite, err := os.ReadFile("../web-admin/vite.config.ts")
	if err != nil {
		t.Fatal(err)
	}
	out := regexp.MustCompile(`outDir:\s*"([^"]+)"`).FindSubmatch(vite)
	if out == nil {
		t.Fatal("no outDir in web-admin/vite.config.ts")
	}
	consoleOut := wd.args + "/" + string(out[1])

	// The binary: the go.mod Go version, the console copied in before go
	// build (web-admin embeds public/app), static for distroless.
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if !strings.HasPrefix(build.from, "golang:"+string(goVer[1])) {
		t.Fatalf("build stage FROM %s, go.mod says go %s", build.from, goVer[1])
	}
	cp, _ := build.find("COPY", "--from="+console.name, consoleOut, "web-admin/public/app")
	gob, gobuild := build.find("RUN", "go build")
	if cp < 0 || gob < cp {
		t.Fatalf("build stage must COPY --from=%s %s into web-admin/public/app before go build: %+v", console.name, consoleOut, build.steps)
	}
	if !strings.Contains(gobuild.args, "CGO_ENABLED=0") || !strings.Contains(gobuild.args, "./cmd/shoplet") {
		t.Fatalf("go build must be static (distroless/static) and build ./cmd/shoplet: %s", gobuild.args)
	}
	if i, _ := build.find("RUN", "mkdir", "/out/data"); i < 0 {
		t.Fatal("build stage does not make the data directory")
	}

	// The runtime: distroless, non-root, /data owned by that user, a health
	// check through the binary (no curl in distroless).
	if !strings.HasPrefix(runtime.from, "gcr.io/distroless/static") || !strings.HasSuffix(runtime.from, ":nonroot") {
		t.Fatalf("runtime FROM %s", runtime.from)
	}
	_, user := runtime.find("USER")
	if user.args == "" || strings.HasPrefix(user.args, "0") || strings.HasPrefix(user.args, "root") {
		t.Fatalf("runtime USER %q: want the non-root user", user.args)
	}
	uid := strings.Split(user.args, ":")[0]
	if i, _ := runtime.find("COPY", "--from="+build.name, "--chown="+uid, "/out/data /data"); i < 0 {
		t.Fatalf("/data is not created for user %s: %+v", uid, runtime.steps)
	}
	_, envs := runtime.find("ENV")
	for _, want := range []string{"SHOPLET_DATA_DIR=/data", "SHOPLET_ENV=production", "SHOPLET_ADDR=0.0.0.0:"} {
		if !strings.Contains(envs.args, want) {
			t.Fatalf("runtime ENV lacks %s: %s", want, envs.args)
		}
	}
	_, expose := runtime.find("EXPOSE")
	if !strings.Contains(envs.args, "SHOPLET_ADDR=0.0.0.0:"+expose.args) {
		t.Fatalf("EXPOSE %s is not the port of SHOPLET_ADDR (%s)", expose.args, envs.args)
	}
	if i, _ := runtime.find("VOLUME", "/data"); i < 0 {
		t.Fatal("no VOLUME /data")
	}
	_, entry := runtime.find("ENTRYPOINT")
	bin := strings.Trim(strings.Trim(entry.args, "[]"), `"`)
	if i, _ := runtime.find("COPY", "/out/shoplet "+bin); i < 0 {
		t.Fatalf("the entrypoint %s is not the built binary", bin)
	}
	if i, _ := runtime.find("HEALTHCHECK", `CMD ["`+bin+`", "health"]`); i < 0 {
		t.Fatalf("no HEALTHCHECK running %s health", bin)
	}
	// build-local.sh runs the same commands without Docker.
	script, err := os.ReadFile("build-local.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range console.steps {
		if in.cmd == "RUN" && !strings.Contains(string(script), in.args) {
			t.Errorf("build-local.sh does not run the console stage's %q", in.args)
		}
	}
	if goCmd := strings.SplitN(gobuild.args, " -ldflags", 2)[0]; !strings.Contains(string(script), goCmd) {
		t.Errorf("build-local.sh does not run the build stage's %q", goCmd)
	}
	for _, s := range stages {
		for _, in := range s.steps {
			if in.cmd == "ADD" || (in.cmd == "RUN" && regexp.MustCompile(`\b(curl|wget)\b`).MatchString(in.args)) {
				t.Errorf("%s stage fetches from the network outside the package managers: %s %s", s.name, in.cmd, in.args)
			}
		}
	}
}

// contextMatcher is the build context filter, as BuildKit applies it.
func contextMatcher(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func TestBuildContext(t *testing.T) {
	pm := contextMatcher(t)
	excluded := func(p string) bool {
		ok, err := pm.MatchesOrParentMatches(p)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, c := range []struct {
		path string
		out  bool
	}{
		{"data/master.key", true},
		{"data/shoplet.db", true},
		{"data/files/t1/image.png", true},
		{"master.key", true},
		{"bin/shoplet", true},
		{".cache/generated/brand-a/app.json", true},
		{"web-admin/node_modules/vite/package.json", true},
		{"templates/node_modules/jest/package.json", true},
		{"node_modules/x/index.js", true},
		{"web-admin/public/app/index.html", true}, // built in the console stage, never taken from the machine
		{"web-admin/e2e/artifacts/dashboard.png", true},
		{"tenant/api/api.test", true},
		{"go.mod", false},
		{"go.sum", false},
		{"cmd/shoplet/main.go", false},
		{"migrations/postgres/00001_init.sql", false},
		{"templates/storefront/app.json", false},
		{"web-admin/package-lock.json", false},
		{"web-admin/src/main.tsx", false},
		{"web-admin/public/index.html", false},
		{"web-admin/embed.go", false},
	} {
		if got := excluded(c.path); got != c.out {
			t.Errorf("%s: excluded=%v, want %v", c.path, got, c.out)
		}
	}

	// What this checkout would send: nothing of the machine's own, and every
	// file the build reads. SHOPLET_IMAGE_CONTEXT=DIR also writes it there,
	// for build-local.sh.
	export := os.Getenv("SHOPLET_IMAGE_CONTEXT")
	var n int
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if excluded(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		n++
		for _, seg := range strings.Split(rel, "/") {
			if seg == "node_modules" || seg == "master.key" || seg == ".git" {
				t.Errorf("%s would enter the image's build context", rel)
			}
		}
		for _, top := range []string{"data/", "bin/", ".cache/"} {
			if strings.HasPrefix(rel, top) {
				t.Errorf("%s would enter the image's build context", rel)
			}
		}
		if export != "" && d.Type().IsRegular() {
			return copyFile(p, filepath.Join(export, filepath.FromSlash(rel)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the build context is empty")
	}
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

type composeFile struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Healthcheck *struct {
			Test    []string `yaml:"test"`
			Disable bool     `yaml:"disable"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

func TestCompose(t *testing.T) {
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		health    []string // the health check's command after the binary
		dependsOn map[string]string
	}{
		"migrate": {nil, map[string]string{"postgres": "service_healthy"}},
		"app":     {[]string{"health"}, map[string]string{"migrate": "service_completed_successfully", "redis": "service_healthy"}},
		"worker":  {[]string{"health", "--worker"}, map[string]string{"migrate": "service_completed_successfully", "redis": "service_healthy"}},
	}
	for name, w := range want {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if s.Build == nil || s.Build.Context != ".." || s.Build.Dockerfile != "docker/Dockerfile" {
			t.Errorf("%s is not built from docker/Dockerfile at the repository root", name)
		}
		for dep, cond := range w.dependsOn {
			if s.DependsOn[dep].Condition != cond {
				t.Errorf("%s depends on %s with %q, want %q", name, dep, s.DependsOn[dep].Condition, cond)
			}
			if cond == "service_healthy" {
				if hc := c.Services[dep].Healthcheck; hc == nil || len(hc.Test) == 0 {
					t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
				}
			}
		}
		if w.health == nil {
			if s.Healthcheck == nil || !s.Healthcheck.Disable {
				t.Errorf("%s runs once: the image's HTTP health check must be disabled", name)
			}
			continue
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" ||
			s.Healthcheck.Test[1] != "/usr/local/bin/shoplet" || !slices.Equal(s.Healthcheck.Test[2:], w.health) {
			t.Errorf("%s health check %v, want the binary: shoplet %v", name, s.Healthcheck, w.health)
		}
		env := s.Environment
		for _, k := range []string{"SHOPLET_BASE_URL", "SHOPLET_SMTP_HOST", "SHOPLET_MAIL_FROM", "SHOPLET_MASTER_KEY"} {
			if !strings.HasPrefix(env[k], "${"+k+":?") {
				t.Errorf("%s: %s=%q must come from the operator (${%s:?...})", name, k, env[k], k)
			}
		}
		if !slices.Contains(s.Volumes, "files:/data") {
			t.Errorf("%s does not keep /data on the shared files volume: %v", name, s.Volumes)
		}
	}
	for name, s := range c.Services {
		for k, v := range s.Environment {
			if strings.Contains(v, "0.0.0.0") || strings.Contains(v, "localhost") || strings.Contains(v, "127.0.0.1") {
				t.Errorf("%s: %s=%s points at a local address", name, k, v)
			}
			if strings.HasPrefix(k, "SHOPLET_") && !strings.Contains(string(readme), "`"+k+"`") && !strings.Contains(string(readme), "`"+k[:strings.LastIndex(k, "_")]+"_*`") {
				t.Errorf("%s sets %s, which README's configuration table does not document", name, k)
			}
		}
	}
	for _, name := range []string{"postgres", "redis"} {
		if hc := c.Services[name].Healthcheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
}
