package main

import (
	"fmt"

	"github.com/kopia/kopia/repo"
)

func init() {
	commands["version"] = func(args []string) error {
		fmt.Println(repo.BuildVersion)
		return nil
	}
}
