// kopia-oracle answers questions about kopia's repository format with kopia's own code, so the
// tests can compare lifeboat's TypeScript implementation against it byte for byte.
//
// Usage: kopia-oracle <command> [args...]; input on stdin, output on stdout. Each command lives in
// a file of its own that registers itself in commands from an init function.
package main

import (
	"fmt"
	"os"
	"sort"
)

var commands = map[string]func(args []string) error{}

func main() {
	if len(os.Args) < 2 {
		names := make([]string, 0, len(commands))
		for name := range commands {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: kopia-oracle <command> [args...]\ncommands: %v\n", names)
		os.Exit(2)
	}
	run, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "kopia-oracle: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "kopia-oracle %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
