package mockserver_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/airabench/airabench/mockserver"
)

// needFiles makes sure the process may hold n more open files, raising
// its soft limit toward the hard one if it must, or skips the test.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("cannot read the open-file limit: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	raised := lim
	raised.Cur = min(n, lim.Max)
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) != nil ||
		raised.Cur < n {
		t.Skipf("needs %d open files; the limit is %d (hard %d): raise "+
			"it with ulimit -n", n, lim.Cur, lim.Max)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
}

func startLimited(t *testing.T, cfg mockserver.Config) *mockserver.Server {
	t.Helper()
	p, err := mockserver.Lookup("unlimited")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Profile = p
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func hostOf(srv *mockserver.Server) string {
	return strings.TrimPrefix(srv.URL, "http://")
}

// trickler is a client that sends a request's headers one byte at a
// time and never finishes them.
type trickler struct {
	conn   net.Conn
	dialed time.Time
	cut    time.Time // when the server closed the connection
}

// TestServesWhileSlowClientsTrickle opens 1,000 connections that trickle
// headers, then checks that a normal client is answered while every one
// of them is still open, and that the header timeout then cuts each of
// them, no sooner than the timeout after it connected.
func TestServesWhileSlowClientsTrickle(t *testing.T) {
	const slow = 1000
	needFiles(t, 2*slow+256) // both ends of each connection live here
	const headerTimeout = 2 * time.Second
	srv := startLimited(t, mockserver.Config{
		ReadHeaderTimeout: headerTimeout})

	var (
		ts   []*trickler
		cuts atomic.Int64
		wg   sync.WaitGroup
	)
	for range slow {
		// The server's clock for a connection starts after this.
		dialed := time.Now()
		c, err := net.Dial("tcp", hostOf(srv))
		if err != nil {
			t.Fatalf("dial slow client %d: %v", len(ts)+1, err)
		}
		tr := &trickler{conn: c, dialed: dialed}
		ts = append(ts, tr)
		io.WriteString(c, "POST /api/v1/actions HTTP/1.1\r\nHost: mock\r\n"+
			"X-Trickle: ")
		wg.Go(func() {
			io.Copy(io.Discard, c) // until the server cuts it
			tr.cut = time.Now()
			cuts.Add(1)
		})
	}
	defer func() {
		for _, tr := range ts {
			tr.conn.Close()
		}
	}()
	stop := make(chan struct{})
	defer close(stop)
	go trickle(ts, stop)

	hc := &http.Client{Timeout: headerTimeout}
	defer hc.CloseIdleConnections()
	for i := range 20 {
		resp, err := hc.Get(srv.URL + "/api/v1/health")
		if err != nil {
			t.Fatalf("normal request %d among %d slow clients: %v", i+1,
				slow, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("normal request %d: status %d, want 200", i+1,
				resp.StatusCode)
		}
	}
	if n := cuts.Load(); n > 0 {
		t.Fatalf("%d slow clients were cut before the normal client was "+
			"served: it was not served promptly", n)
	}

	// Only the header timeout can end them this soon: the read timeout
	// is a minute.
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	guard := time.NewTimer(headerTimeout + 30*time.Second)
	defer guard.Stop()
	select {
	case <-ended:
	case <-guard.C:
		t.Fatalf("%d of %d slow clients still open long after the "+
			"header timeout", slow-cuts.Load(), slow)
	}
	for i, tr := range ts {
		if held := tr.cut.Sub(tr.dialed); held < headerTimeout {
			t.Errorf("slow client %d cut after %v, before the header "+
				"timeout of %v", i+1, held, headerTimeout)
		}
	}
}

// trickle writes one more header byte to every connection each 100 ms
// until stop is closed. A write to a connection the server has cut
// fails, which is fine.
func trickle(ts []*trickler, stop <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for _, tr := range ts {
			tr.conn.SetWriteDeadline(time.Now().Add(time.Second))
			tr.conn.Write([]byte("a"))
		}
	}
}

// TestSlowAndLargeClientsAreCut checks each bound of the server on one
// real connection: a body that trickles is cut by the read timeout, an
// idle kept-alive connection by the idle timeout, and headers or a body
// above their limits are answered 431 and 413.
func TestSlowAndLargeClientsAreCut(t *testing.T) {
	const limit = 300 * time.Millisecond

	t.Run("read-timeout", func(t *testing.T) {
		srv := startLimited(t, mockserver.Config{ReadTimeout: limit})
		start := time.Now()
		c := dial(t, srv)
		io.WriteString(c, "POST /api/v1/actions HTTP/1.1\r\nHost: mock\r\n"+
			"Authorization: Bearer k\r\nContent-Type: application/json\r\n"+
			"Content-Length: 100\r\n\r\n{")
		io.Copy(io.Discard, c) // whatever the answer, the server ends it
		if held := time.Since(start); held < limit {
			t.Errorf("connection ended after %v, before the read timeout "+
				"of %v", held, limit)
		}
	})
	t.Run("idle-timeout", func(t *testing.T) {
		srv := startLimited(t, mockserver.Config{IdleTimeout: limit})
		c := dial(t, srv)
		// The connection is idle from the answer on, which is later.
		idle := time.Now()
		io.WriteString(c, "GET /api/v1/health HTTP/1.1\r\nHost: mock\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		if n, _ := io.Copy(io.Discard, br); n != 0 {
			t.Errorf("%d bytes after the answer, want none", n)
		}
		if held := time.Since(idle); held < limit {
			t.Errorf("idle connection closed after %v, before the idle "+
				"timeout of %v", held, limit)
		}
	})
	t.Run("header-too-large", func(t *testing.T) {
		srv := startLimited(t, mockserver.Config{})
		big := strings.Repeat("a", mockserver.DefaultMaxHeaderBytes+8<<10)
		resp := rawRequest(t, srv, "GET /api/v1/health HTTP/1.1\r\n"+
			"Host: mock\r\nX-Big: "+big+"\r\n\r\n")
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d for a header of %d bytes, want 431",
				resp.StatusCode, len(big))
		}
	})
	t.Run("body-too-large", func(t *testing.T) {
		srv := startLimited(t, mockserver.Config{})
		body := bytes.Repeat([]byte("a"), mockserver.DefaultMaxBodyBytes+1)
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/actions",
			bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.SampleKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d for a body of %d bytes, want 413",
				resp.StatusCode, len(body))
		}
	})
}

func dial(t *testing.T, srv *mockserver.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", hostOf(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func rawRequest(t *testing.T, srv *mockserver.Server,
	req string) *http.Response {
	t.Helper()
	c := dial(t, srv)
	io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
