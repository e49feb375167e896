// nxrun-devserver: a Temporal dev server with standalone activities and standalone Nexus
// operations turned on, for nxrun's tests, demo and benchmarks.
//
// Why our own program: the pinned CLI tag (v1.7.4-standalone-nexus-operations) cannot be built
// from Go modules alone (its go.mod replaces cliext with a directory the module proxy does not
// serve), so we embed the same server version the CLI pins, configured as `temporal server
// start-dev` configures it (SQLite, one shard, every service in one process).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	"go.temporal.io/server/chasm/lib/activity"
	"go.temporal.io/server/chasm/lib/nexusoperation"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	ip := flag.String("ip", "127.0.0.1", "IP to listen on (loopback by default)")
	port := flag.Int("port", 7233, "frontend gRPC port")
	dbFile := flag.String("db-filename", "", "SQLite file to persist to (in memory when empty)")
	logLevel := flag.String("log-level", "error", "server log level: debug, info, warn, error")
	uiPort := flag.Int("ui-port", 0, "Web UI port (default: the frontend port + 1000, as `temporal server start-dev`)")
	headless := flag.Bool("headless", false, "serve no Web UI")
	var namespaces, dynamic multiFlag
	flag.Var(&namespaces, "namespace", "namespace to create (repeatable; 'default' always exists)")
	flag.Var(&dynamic, "dynamic-config-value", "KEY=JSON dynamic config value (repeatable)")
	flag.Parse()

	ui := 0
	if !*headless {
		ui = *uiPort
		if ui == 0 {
			ui = min(*port+1000, 65535)
		}
	}
	if err := run(*ip, *port, ui, *dbFile, *logLevel, append([]string{"default"}, namespaces...), dynamic); err != nil {
		fmt.Fprintln(os.Stderr, "nxrun-devserver:", err)
		os.Exit(1)
	}
}

// run starts the server, and the Web UI on uiPort unless it is 0, and serves until SIGINT/SIGTERM.
func run(ip string, port, uiPort int, dbFile, level string, namespaces []string, dynamic []string) error {
	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8096,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// The features nxrun is built on; the pinned CLI turns on the same four.
		dynamicconfig.EnableChasm.Key():          true,
		activity.Enabled.Key():                   true,
		nexusoperation.Enabled.Key():             true,
		dynamicconfig.EnableCHASMCallbacks.Key(): true,
		// Endpoints created by a test are usable at once.
		dynamicconfig.MakeKey("system.forceNexusEndpointRefreshOnRead"): true,
	}
	for _, kv := range dynamic {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--dynamic-config-value %q: want KEY=JSON", kv)
		}
		var val any
		if err := json.Unmarshal([]byte(v), &val); err != nil {
			return fmt.Errorf("--dynamic-config-value %q: value is not JSON: %w", kv, err)
		}
		// Dynamic config wants int, not float64, for whole numbers.
		if f, isNum := val.(float64); isNum && f == float64(int(f)) {
			val = int(f)
		}
		dyn[dynamicconfig.MakeKey(k)] = val
	}

	conf, err := serverConfig(ip, port, dbFile, namespaces)
	if err != nil {
		return err
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: level, Format: "console", Stdout: false}))
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return err
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return err
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for _, svc := range []primitives.ServiceName{primitives.FrontendService, primitives.MatchingService, primitives.HistoryService, primitives.WorkerService} {
		hosts[svc] = static.SingleLocalHost(fmt.Sprintf("%v:%v", ip, conf.Services[string(svc)].RPC.GRPCPort))
	}
	server, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return err
	}
	var ui *uiserver.Server
	uiURL := ""
	if uiPort != 0 {
		// ui.Start exits the process on a listen error (ui-server logs it as fatal), so a port in
		// use is found here first and said plainly, as start-dev does.
		if err := portFree(ip, uiPort); err != nil {
			return fmt.Errorf("can't serve the Web UI on port %d (use --ui-port or --headless): %w", uiPort, err)
		}
		ui = uiServer(ip, port, uiPort)
		uiURL = fmt.Sprintf("http://%s/", net.JoinHostPort(ip, strconv.Itoa(uiPort)))
		go func() {
			if err := ui.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "nxrun-devserver: Web UI:", err)
				os.Exit(1)
			}
		}()
	}
	if err := server.Start(); err != nil {
		if ui != nil {
			ui.Stop()
		}
		return err
	}
	if ui != nil {
		if err := awaitHealthy(uiURL+"healthz", 30*time.Second); err != nil {
			return fmt.Errorf("the Web UI did not answer: %w", err)
		}
		// Scripts read the UI's address from this line (scripts/dev-server.ts).
		fmt.Printf("nxrun-devserver web ui on %s\n", uiURL)
	}
	// The line scripts wait for; the frontend (and the UI, when served) answers from here on.
	fmt.Printf("nxrun-devserver ready on %s:%d (pid %d)\n", ip, port, os.Getpid())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	done := make(chan struct{})
	go func() {
		if ui != nil {
			ui.Stop()
		}
		server.Stop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	return nil
}

// uiServer is the Web UI configured as `temporal server start-dev` configures it: the embedded
// assets, pointed at this server's frontend, no login, no news fetched from the internet.
func uiServer(ip string, port, uiPort int) *uiserver.Server {
	return uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
		Host:                ip,
		Port:                uiPort,
		TemporalGRPCAddress: net.JoinHostPort(ip, strconv.Itoa(port)),
		EnableUI:            true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))
}

func portFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// awaitHealthy waits until url answers 200 (the UI's listener starts in the background).
func awaitHealthy(url string, within time.Duration) error {
	client := http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func serverConfig(ip string, port int, dbFile string, namespaces []string) (*config.Config, error) {
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = ip
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	sqlConf, err := sqlConfig(dbFile, namespaces)
	if err != nil {
		return nil, err
	}
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	httpPort := freePort(ip)
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        "active",
		CurrentClusterName:       "active",
		ClusterInformation: map[string]cluster.ClusterInformation{
			"active": {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             fmt.Sprintf("%v:%v", ip, port),
				HTTPAddress:            fmt.Sprintf("%v:%v", ip, httpPort),
				ClusterID:              "nxrun-dev",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	service := func(p, http int) config.Service {
		var s config.Service
		s.RPC.GRPCPort, s.RPC.BindOnIP, s.RPC.HTTPPort = p, ip, http
		return s
	}
	conf.Services = map[string]config.Service{
		"frontend": service(port, httpPort),
		"history":  service(freePort(ip), 0),
		"matching": service(freePort(ip), 0),
		"worker":   service(freePort(ip), 0),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = fmt.Sprintf("%v:%v", ip, port)
	return &conf, nil
}

func sqlConfig(dbFile string, namespaces []string) (*config.SQL, error) {
	conf := config.SQL{PluginName: sqliteplugin.PluginName}
	if dbFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = strconv.Itoa(rand.Intn(9999999))
	} else {
		conf.ConnectAttributes = map[string]string{"mode": "rwc"}
		conf.DatabaseName = dbFile
	}
	// A file that does not exist yet gets the schema; an existing one is reopened (restart tests).
	// (In memory, the SQLite plugin sets the schema up itself.)
	if dbFile != "" && !exists(dbFile) {
		if _, err := os.Stat(filepath.Dir(dbFile)); err != nil {
			return nil, fmt.Errorf("database file's folder: %w", err)
		}
		if err := sqliteschema.SetupSchema(&conf); err != nil {
			return nil, fmt.Errorf("setting up schema: %w", err)
		}
	}
	var nsConfigs []*sqliteschema.NamespaceConfig
	for _, ns := range namespaces {
		c, err := sqliteschema.NewNamespaceConfig("active", ns, false, nil)
		if err != nil {
			return nil, err
		}
		nsConfigs = append(nsConfigs, c)
	}
	if err := sqliteschema.CreateNamespaces(&conf, nsConfigs...); err != nil {
		return nil, fmt.Errorf("creating namespaces: %w", err)
	}
	return &conf, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// freePort asks the OS for a free port for the internal services.
func freePort(ip string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
