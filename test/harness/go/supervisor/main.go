// node-supervisor owns the processes of one real test node (containerd, kubelet) so that they
// outlive the short-lived `harness up` command without ever becoming unreaped zombies.
//
// Why a process of its own: `harness up` exits once the node is Ready, which re-parents whatever it
// started to PID 1; on this machine PID 1 reaps orphans late or never, so an exited kubelet stays a
// zombie that still answers kill(pid, 0). containerd-shim processes daemonise and re-parent the same
// way, and so do container processes whose shim died. This supervisor marks itself a child
// subreaper (PR_SET_CHILD_SUBREAPER): every descendant that loses its parent becomes its child, and
// it reaps all of them. It is the one process the harness records for the node.
//
// Usage: node-supervisor SPEC.json. The spec lists the children, started in order, each in its own
// process group, a child with `waitFor` only once that path exists. On SIGTERM or SIGINT it stops
// the children in reverse order (SIGTERM, then SIGKILL after graceSeconds), then SIGKILLs every
// descendant left (shims, containers), reaps them and exits 0. It never signals anything else.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type child struct {
	Name    string   `json:"name"`
	Argv    []string `json:"argv"`
	Log     string   `json:"log"`
	WaitFor string   `json:"waitFor,omitempty"`
	Env     []string `json:"env,omitempty"`
}

type spec struct {
	Children     []child `json:"children"`
	GraceSeconds int     `json:"graceSeconds"`
}

const prSetChildSubreaper = 36

var (
	mu     sync.Mutex
	exited = map[int]bool{}
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s node-supervisor: %s\n", time.Now().UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: node-supervisor SPEC.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		logf("cannot read the spec: %v", err)
		os.Exit(2)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil || len(s.Children) == 0 {
		logf("invalid spec %s: %v", os.Args[1], err)
		os.Exit(2)
	}
	if s.GraceSeconds <= 0 {
		s.GraceSeconds = 10
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		logf("cannot become a child subreaper: %v", errno)
		os.Exit(1)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	stop := make(chan struct{})
	go func() {
		for sig := range signals {
			if sig == syscall.SIGCHLD {
				reap()
				continue
			}
			select {
			case <-stop:
			default:
				close(stop)
			}
		}
	}()

	pids := make([]int, 0, len(s.Children))
	for _, c := range s.Children {
		if c.WaitFor != "" && !waitForPath(c.WaitFor, stop) {
			break
		}
		pid, err := start(c)
		if err != nil {
			logf("cannot start %s: %v", c.Name, err)
			break
		}
		logf("started %s (pid %d)", c.Name, pid)
		pids = append(pids, pid)
	}
	<-stop
	logf("stopping")
	for i := len(pids) - 1; i >= 0; i-- {
		stopChild(s.Children[i].Name, pids[i], time.Duration(s.GraceSeconds)*time.Second)
	}
	killDescendants()
	logf("stopped")
}

func start(c child) (int, error) {
	if len(c.Argv) == 0 {
		return 0, fmt.Errorf("empty argv")
	}
	logFile, err := os.OpenFile(c.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer devNull.Close()
	proc, err := os.StartProcess(c.Argv[0], c.Argv, &os.ProcAttr{
		Env:   append(os.Environ(), c.Env...),
		Files: []*os.File{devNull, logFile, logFile},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return 0, err
	}
	pid := proc.Pid
	_ = proc.Release() // reaped by reap(), which waits for any child
	return pid, nil
}

// reap collects every exited child: the ones started here and every orphan re-parented here.
func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		mu.Lock()
		exited[pid] = true
		mu.Unlock()
	}
}

func hasExited(pid int) bool {
	reap()
	mu.Lock()
	defer mu.Unlock()
	return exited[pid]
}

func waitForPath(path string, stop <-chan struct{}) bool {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case <-stop:
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	logf("%s did not appear in 2 minutes", path)
	return false
}

func stopChild(name string, pid int, grace time.Duration) {
	if hasExited(pid) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for !hasExited(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !hasExited(pid) {
		logf("%s did not stop in %s: SIGKILL", name, grace)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for !hasExited(pid) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	logf("stopped %s", name)
}

// killDescendants SIGKILLs every process below this one until none is left, reaping as they die.
func killDescendants() {
	self := os.Getpid()
	for attempt := 0; attempt < 200; attempt++ {
		pids := descendants(self)
		reap()
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	logf("descendants still running after repeated SIGKILL: %v", descendants(self))
}

// descendants lists the live (non-zombie) processes below root, from /proc.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
		end := strings.LastIndexByte(string(stat), ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err == nil {
			parent[pid] = ppid
		}
	}
	var out []int
	for pid := range parent {
		for p, hops := parent[pid], 0; hops < 64; p, hops = parent[p], hops+1 {
			if p == root {
				out = append(out, pid)
				break
			}
			if p <= 1 {
				break
			}
		}
	}
	return out
}
