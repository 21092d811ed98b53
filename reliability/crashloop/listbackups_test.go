package crashloop

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/reliability/harness"
)

var (
	listBackups = flag.Int("crashloop.list-backups", 110, "backups TestListBackupsRightAfterRestart creates")
	listKills   = flag.Int("crashloop.list-kills", 2, "kill -9 cycles of TestListBackupsRightAfterRestart")
	// rawBodies sends the SDK's request bodies as they are, without
	// sdkhttp.SafeBodies, which shows bug 6: on a busy machine an answer
	// breaks with "use of closed network connection" within a few kills.
	rawBodies = flag.Bool("crashloop.raw-sdk-bodies", false, "TestListBackupsRightAfterRestart without sdkhttp.SafeBodies (shows bug 6)")
)

// TestListBackupsRightAfterRestart is bug 6's probe (docs/reliability.md):
// once, right after a restart with 485 backups, the crash loop's
// ListBackups answered 200 and the SDK's read of the body failed with "use
// of closed network connection". Here many backups exist, dynago is
// killed and restarted (its backup jobs resume), and at once several
// clients page through ListBackups (100 summaries an answer, the large
// answers), one of them reusing its kept-alive connections with idle
// gaps, while another creates backups. Every answer must be read whole.
// Clients do not retry, so any failure shows; a connection the client
// closes records who closed it, so that a "use of closed network
// connection" names its cause.
func TestListBackupsRightAfterRestart(t *testing.T) {
	bin := harness.Build(t)
	dir := t.TempDir()
	dataDir, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "dynago.log")
	t.Cleanup(func() {
		if t.Failed() {
			l := harness.ReadLog(logPath)
			t.Logf("the server's log, last 4 KB:\n%s", l[max(0, len(l)-4096):])
		}
	})
	p := harness.Start(t, bin, dataDir, logPath)
	c := harness.Client(p.URL, 3)
	setupBackups(t, c)
	for i := range backupKeys {
		ctx, cancel := harness.WaitCtx(reqTimout)
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(backupSource), Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("b%02d", i)), "v": s("x")}})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range *listBackups {
		ctx, cancel := harness.WaitCtx(reqTimout)
		_, err := c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String(backupSource), BackupName: aws.String(fmt.Sprintf("bk-%d", i))})
		cancel()
		if err != nil {
			t.Fatalf("CreateBackup %d: %v", i, err)
		}
	}
	var created atomic.Int64 // acknowledged backups
	created.Store(int64(*listBackups))
	var lists, pages atomic.Int64
	for kill := 1; kill <= *listKills; kill++ {
		p.Kill()
		p = harness.Start(t, bin, dataDir, logPath)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []string
		fail := func(format string, args ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		for lister := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tc := newTracedClient(p.URL)
				// Lister 0 keeps one client (its idle connections kept
				// alive between lists, with gaps), the others start fresh.
				for round := range 6 {
					if lister > 0 {
						tc = newTracedClient(p.URL)
					}
					acked := created.Load() // listed at least, maybe more
					n, pg, err := listAll(tc.client)
					pages.Add(int64(pg))
					lists.Add(1)
					switch {
					case err != nil:
						fail("kill %d, lister %d, round %d: ListBackups: %v%s", kill, lister, round, err, tc.closes())
						return
					case int64(n) < acked:
						fail("kill %d, lister %d: %d backups listed, %d acknowledged", kill, lister, n, acked)
						return
					}
					if lister == 0 {
						time.Sleep(time.Duration(round) * 150 * time.Millisecond)
					}
				}
			}()
		}
		// Meanwhile, more backups (so jobs run while the lists are read).
		c = harness.Client(p.URL, 3)
		for range 10 {
			ctx, cancel := harness.WaitCtx(reqTimout)
			_, err := c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String(backupSource), BackupName: aws.String(fmt.Sprintf("bk-k%d-%d", kill, created.Load()))})
			cancel()
			if err != nil {
				t.Fatalf("CreateBackup after kill %d: %v", kill, err)
			}
			created.Add(1)
		}
		wg.Wait()
		for _, f := range failures {
			t.Error(f)
		}
		if t.Failed() {
			break
		}
		t.Logf("kill %d: %d backups; every ListBackups answer read whole (%d lists, %d pages so far)", kill, created.Load(), lists.Load(), pages.Load())
	}
	if !t.Failed() {
		t.Logf("ListBackups after restarts summary: %d kill -9 cycles, %d backups, %d lists (%d pages) right after the restarts, every answer read whole",
			*listKills, created.Load(), lists.Load(), pages.Load())
	}
}

// listAll pages through every backup of the source table.
func listAll(c *dynamodb.Client) (n, pages int, err error) {
	var start *string
	for {
		ctx, cancel := harness.WaitCtx(reqTimout)
		out, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String(backupSource), ExclusiveStartBackupArn: start})
		cancel()
		if err != nil {
			return n, pages, err
		}
		pages++
		n += len(out.BackupSummaries)
		if start = out.LastEvaluatedBackupArn; start == nil {
			return n, pages, nil
		}
	}
}

// tracedClient is an SDK client without retries whose connections keep
// the stack of whoever closed them.
type tracedClient struct {
	client    *dynamodb.Client
	mu        sync.Mutex
	closed    []string
	writeErrs []string
}

func newTracedClient(url string) *tracedClient {
	tc := &tracedClient{}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &tracedConn{Conn: c, tc: tc}, nil
		},
		MaxIdleConnsPerHost: 10,
		IdleConnTimeout:     90 * time.Second,
	}
	tc.client = dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("reliability", "reliability", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.SafeBodies(tracingDoer{c: &http.Client{Transport: tr}, tc: tc}),
	})
	if *rawBodies {
		tc.client = dynamodb.New(tc.client.Options(), func(o *dynamodb.Options) {
			o.HTTPClient = tracingDoer{c: &http.Client{Transport: tr}, tc: tc}
		})
	}
	return tc
}

// tracingDoer records the errors of request writes (httptrace).
type tracingDoer struct {
	c  *http.Client
	tc *tracedClient
}

func (d tracingDoer) Do(req *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err != nil {
			d.tc.mu.Lock()
			d.tc.writeErrs = append(d.tc.writeErrs, fmt.Sprintf("%s %T %v", time.Now().Format("15:04:05.000000"), i.Err, i.Err))
			d.tc.mu.Unlock()
		}
	}}
	return d.c.Do(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
}

// closes describes the connections closed while a read was still to come.
func (tc *tracedClient) closes() string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.closed) == 0 {
		return ""
	}
	return fmt.Sprintf("\nread after the client closed the connection; request write errors: %q; closed by:\n%s", tc.writeErrs, tc.closed[len(tc.closed)-1])
}

type tracedConn struct {
	net.Conn
	tc     *tracedClient
	mu     sync.Mutex
	closer []byte
	events []string // the connection's reads, writes and close, in order
}

func (c *tracedConn) event(format string, args ...any) {
	c.mu.Lock()
	c.events = append(c.events, fmt.Sprintf(time.Now().Format("15:04:05.000000 ")+format, args...))
	if len(c.events) > 40 {
		c.events = c.events[len(c.events)-40:]
	}
	c.mu.Unlock()
}

func (c *tracedConn) Close() error {
	c.event("close")
	c.mu.Lock()
	if c.closer == nil {
		c.closer = debug.Stack()
	}
	c.mu.Unlock()
	return c.Conn.Close()
}

func (c *tracedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.event("write %d of %d: %v", n, len(b), err)
	return n, err
}

func (c *tracedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.event("read %d: %v", n, err)
	if errors.Is(err, net.ErrClosed) {
		c.mu.Lock()
		report := fmt.Sprintf("%s\nthe connection's last events:\n%s", c.closer, strings.Join(c.events, "\n"))
		c.mu.Unlock()
		c.tc.mu.Lock()
		c.tc.closed = append(c.tc.closed, report)
		c.tc.mu.Unlock()
	}
	return n, err
}
