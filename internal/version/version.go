// Package version holds the build's version, stamped by the linker:
//
//	go build -ldflags "-X github.com/icmigrate/icmigrate/internal/version.Version=v1.2.3" ./cmd/...
package version

// Version is "dev" unless the build stamps it.
var Version = "dev"

// UserAgent is what icmigrate's binaries send to Intercom, so that Intercom's
// support can tell our traffic from other integrations on the same app.
func UserAgent() string { return "icmigrate/" + Version + " (+https://github.com/icmigrate/icmigrate)" }
