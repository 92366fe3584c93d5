// Command campaignbench measures campaign sending (issue 6, point 6):
// it seeds N users with fake conversation references pointing at a fake
// Bot Connector on loopback (tenant limit, per-conversation limits, random
// 429s and 503s), sends one campaign to all of them with one or more bot
// processes sharing a Redis, and prints the elapsed time against the ideal
// (recipients / limit), duplicates and losses.
//
//	campaignbench -n 45000 -rate 1000                  # one process
//	campaignbench -n 45000 -rate 1000 -procs 2 -kill   # two processes, one killed mid-campaign
//
// Redis: -redis (default $GRAENSEN_TEST_REDIS, else redis://127.0.0.1:6379/0);
// every run uses its own key prefix and deletes it afterwards.
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kk/graensen/bot/activity"
	"github.com/kk/graensen/bot/campaign"
	"github.com/kk/graensen/bot/campaign/fakeconn"
	"github.com/kk/graensen/bot/cards"
	"github.com/kk/graensen/bot/connector"
	"github.com/kk/graensen/bot/seal"
	"github.com/kk/graensen/dialogs"
	"github.com/kk/graensen/dialogs/redisstore"
	"github.com/kk/graensen/internal/randid"
	"github.com/kk/graensen/locales"
)

type opts struct {
	n, procs, workers  int
	rate, p429, p5xx   float64
	kill               bool
	killAt             float64
	redisURL, prefix   string
	consumer           string
	claimIdle, lease   time.Duration
	timeout            time.Duration
	fakeRateMultiplier float64
}

func main() {
	var o opts
	if len(os.Args) > 1 && os.Args[1] == "fakeconn" {
		fakeMain(os.Args[2:])
		return
	}
	worker := len(os.Args) > 1 && os.Args[1] == "worker"
	args := os.Args[1:]
	if worker {
		args = args[1:]
	}
	fs := flag.NewFlagSet("campaignbench", flag.ExitOnError)
	def := os.Getenv("GRAENSEN_TEST_REDIS")
	if def == "" {
		def = "redis://127.0.0.1:6379/0"
	}
	fs.IntVar(&o.n, "n", 45000, "recipients")
	fs.Float64Var(&o.rate, "rate", 1000, "tenant limit, requests/s (scaled up from Teams' 50)")
	fs.IntVar(&o.procs, "procs", 1, "bot processes")
	fs.IntVar(&o.workers, "workers", 32, "workers per process")
	fs.BoolVar(&o.kill, "kill", false, "kill one process (SIGKILL) mid-campaign")
	fs.Float64Var(&o.killAt, "kill-at", 0.4, "share sent when the kill happens")
	fs.Float64Var(&o.p429, "p429", 0.002, "share of requests the fake answers 429 (Retry-After 1)")
	fs.Float64Var(&o.p5xx, "p5xx", 0.002, "share of requests the fake answers 503")
	fs.StringVar(&o.redisURL, "redis", def, "Redis URL")
	fs.StringVar(&o.prefix, "prefix", "", "key prefix (worker mode)")
	fs.StringVar(&o.consumer, "consumer", "bench", "consumer name (worker mode)")
	fs.DurationVar(&o.claimIdle, "claim-idle", 3*time.Second, "take over entries idle this long")
	fs.DurationVar(&o.lease, "lease", 10*time.Second, "in-flight lease per recipient")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after")
	var ro realOpts
	real := fs.Bool("real", false, "run the bot's binary (-bin) against a fake connector process with -latency")
	fs.StringVar(&ro.bin, "bin", "", "the graensen binary (-real)")
	fs.DurationVar(&ro.latency, "latency", 300*time.Millisecond, "fake connector time per call (-real)")
	_ = fs.Parse(args)

	opt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redis url:", err)
		os.Exit(2)
	}
	opt.PoolSize = 4 * max(o.workers, 32)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if worker {
		runWorker(o, rdb)
		return
	}
	if *real {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "workers" })
		if !set {
			o.workers = 0 // the binary's shipped default
		}
		if err := benchReal(o, ro, rdb); err != nil {
			fmt.Fprintln(os.Stderr, "campaignbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := bench(o, rdb); err != nil {
		fmt.Fprintln(os.Stderr, "campaignbench:", err)
		os.Exit(1)
	}
}

// Fixed, non-secret keys: the worker processes must open what the parent sealed.
func benchKeys() (*seal.Hasher, *seal.Keyring) {
	h, _ := seal.NewHasher(bytes.Repeat([]byte{0x42}, 32))
	k, _ := seal.NewKeyring("b1", map[string][]byte{"b1": bytes.Repeat([]byte{0x24}, 32)})
	return h, k
}

func service(o opts, rdb *redis.Client) *campaign.Service {
	h, k := benchKeys()
	conn, _ := connector.New(connector.Config{MaxRetries: -1})
	return campaign.New(campaign.Config{
		Store: redisstore.New(rdb, o.prefix), Keys: k, Hasher: h, Renderer: cards.New(locales.MustBundle()), Conn: conn,
		Rate: o.rate, Workers: o.workers, Consumer: o.consumer, ClaimIdle: o.claimIdle, Lease: o.lease,
		Poll: 20 * time.Millisecond, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
}

func runWorker(o opts, rdb *redis.Client) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	service(o, rdb).Run(ctx)
}

func bench(o opts, rdb *redis.Client) error {
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	b := randid.Bytes(4)
	o.prefix = "bench:" + hex.EncodeToString(b) + ":"
	defer clean(rdb, o.prefix)

	fake := fakeconn.Start(&fakeconn.Server{Rate: o.rate, P429: o.p429, P5xx: o.p5xx, RetryAfter: "1"})
	defer fake.Close()

	fmt.Printf("seeding %d users with fake references…\n", o.n)
	if err := seed(ctx, o, rdb, fake.URL()); err != nil {
		return err
	}
	o.consumer = "parent"
	svc := service(o, rdb)
	id := "c" + hex.EncodeToString(append(b, b...))
	spec := dialogs.CampaignSpec{ID: id, TitleDA: "Trin 2", TextDA: "Husk at sætte en frist for det åbne vindue.",
		TitleEN: "Step 2", TextEN: "Remember to set a deadline for the open window.", Ack: true,
		Audience: dialogs.CampaignAudience{Kind: dialogs.AudienceAll}}
	if err := svc.Create(ctx, spec); err != nil {
		return err
	}

	// The bot processes.
	var procs []*exec.Cmd
	self, _ := os.Executable()
	for i := range o.procs {
		cmd := exec.Command(self, "worker", "-redis", o.redisURL, "-prefix", o.prefix, "-consumer", "p"+strconv.Itoa(i),
			"-rate", fmt.Sprint(o.rate), "-workers", strconv.Itoa(o.workers), "-claim-idle", o.claimIdle.String(), "-lease", o.lease.String())
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
	}
	defer func() {
		for _, p := range procs {
			if p.ProcessState == nil {
				_ = p.Process.Signal(syscall.SIGTERM)
				_ = p.Wait()
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // let them connect

	start := time.Now()
	if err := svc.Start(ctx, id); err != nil { // the scheduler's part: expand the audience
		return err
	}
	expanded := time.Since(start)
	killed := false
	var p campaign.Progress
	for {
		var err error
		if p, err = svc.Progress(ctx, id); err != nil {
			return err
		}
		if p.State == campaign.StateDone {
			break
		}
		if o.kill && !killed && float64(p.Sent) >= o.killAt*float64(o.n) {
			_ = procs[0].Process.Kill()
			_ = procs[0].Wait()
			killed = true
			held := int64(0)
			if cs, err := rdb.XInfoConsumers(ctx, o.prefix+"campaign:"+id+":s", "w").Result(); err == nil {
				for _, c := range cs {
					if c.Name == "p0" {
						held = c.Pending
					}
				}
			}
			fmt.Printf("killed process p0 (SIGKILL) at %d sent, %.1fs, holding %d unacknowledged entries\n", p.Sent, time.Since(start).Seconds(), held)
		}
		if time.Since(start) > o.timeout {
			return fmt.Errorf("timeout: %+v", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)

	del := fake.Delivered()
	dups, lost, unique := 0, 0, 0
	for i := range o.n {
		c := del["a:"+aad(i)]
		switch {
		case c == 0:
			lost++
		case c > 1:
			dups += c - 1
		}
		if c > 0 {
			unique++
		}
	}
	st := fake.Stats()
	ideal := time.Duration(float64(o.n) / o.rate * float64(time.Second))
	fmt.Printf("\nrecipients %d, tenant limit %.0f/s, %d process(es) × %d workers, kill=%v\n", o.n, o.rate, o.procs, o.workers, killed)
	fmt.Printf("elapsed    %.2fs (audience expansion %.2fs)\n", elapsed.Seconds(), expanded.Seconds())
	fmt.Printf("ideal      %.2fs (recipients / limit)\n", ideal.Seconds())
	fmt.Printf("overhead   %+.1f%%\n", (elapsed.Seconds()/ideal.Seconds()-1)*100)
	fmt.Printf("delivered  %d unique, duplicates %d, lost %d\n", unique, dups, lost)
	fmt.Printf("counts     sent %d, failed %d, unreachable %d, retrying %d, queued %d\n", p.Sent, p.Failed, p.Unreachable, p.Retrying, p.Queued)
	fmt.Printf("fake       requests %d, tenant-throttled %d, conversation-throttled %d, random 429 %d, random 503 %d\n",
		st.Requests, st.TenantThrottled, st.ConvThrottled, st.Random429, st.Random5xx)
	return nil
}

func aad(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func seed(ctx context.Context, o opts, rdb *redis.Client, url string) error {
	h, k := benchKeys()
	store := redisstore.New(rdb, o.prefix)
	pipe := rdb.Pipeline()
	for i := range o.n {
		id := aad(i)
		key := activity.AADUserKey(h, id)
		locale := "da-DK"
		if i%5 == 0 {
			locale = "en-GB"
		}
		ref, _ := json.Marshal(activity.Ref{ServiceURL: url, ChannelID: "msteams", ConversationID: "a:" + id, UserID: "29:" + id, BotID: "28:bench", Locale: locale})
		pipe.HSet(ctx, store.Key("user", key), "v", 1, "p", "{}", "ref", k.Seal(ref, []byte("ref:"+key)), "aad", k.Seal([]byte(id), []byte("aad:"+key)))
		pipe.SAdd(ctx, store.Key("users"), key)
		if pipe.Len() >= 2000 {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

func clean(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			rdb.Del(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Del(ctx, batch...)
	}
}
