package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/airabench/airabench/mockserver"
)

const mockUsage = `Usage: airabench mock [flags]

Serves the Aira v1 mock until Ctrl-C. It prints its URL and a key that
works; point an SDK's base_url at the URL.

It binds a loopback address unless --listen-any allows another one. It
answers bodies above %d bytes with 413 and headers above %d bytes with
431, and cuts clients that take over %v to send their headers, %v to
send a whole request, or idle for %v between requests.

Examples:
  airabench mock
  airabench mock --addr 127.0.0.1:8080 --profile reference-4vcpu --seed 7

Flags:
`

func cmdMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	profile := fs.String("profile", "default", "profile: "+
		strings.Join(mockserver.ProfileNames(), ", "))
	seed := fs.Int64("seed", 1, "seed of every random choice")
	anyKey := fs.Bool("any-key", false,
		"accept any non-empty Bearer key (default: only the printed one)")
	listenAny := fs.Bool("listen-any", false,
		"allow an address that is not loopback")
	fs.Usage = func() {
		fmt.Fprintf(stderr, mockUsage, mockserver.DefaultMaxBodyBytes,
			mockserver.DefaultMaxHeaderBytes,
			mockserver.DefaultReadHeaderTimeout,
			mockserver.DefaultReadTimeout, mockserver.DefaultIdleTimeout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if err := checkAddr(*addr); err != nil {
		fmt.Fprintf(stderr, "airabench mock: --addr: %v\n", err)
		return exitUsage
	}
	if !*listenAny && !loopback(*addr) {
		fmt.Fprintf(stderr, "airabench mock: %s is not a loopback address;"+
			" pass --listen-any to serve beyond this machine\n", *addr)
		return exitUsage
	}
	p, err := mockserver.Lookup(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "airabench mock: %v\n", err)
		return exitUsage
	}
	cfg := mockserver.Config{Addr: *addr, Profile: p, Seed: *seed}
	if !*anyKey {
		cfg.Keys = []string{mockKey(*seed)}
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "airabench mock: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "mock serving %s/api/v1 (profile %s, seed %d)\n",
		srv.URL, *profile, *seed)
	fmt.Fprintf(stdout, "sample key: %s\n", srv.SampleKey())

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	signal.Stop(sigs)
	fmt.Fprintln(stdout, "shutting down")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "airabench mock: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// checkAddr refuses an address that is not host:port with a port from
// 0 to 65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port, such as 127.0.0.1:8080",
			addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// loopback reports whether addr's host is a loopback address or name.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// mockKey returns the test key a mock seeded with seed accepts, alone,
// so a wrong key gets 401 as it would from the API. It follows from the
// seed, as every choice of the mock does: the mock's random streams are
// per key, so a seeded run makes the same decisions every time.
func mockKey(seed int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "airabench mock key %d", seed))
	return "aira_test_" + hex.EncodeToString(sum[:16])
}
