// The test nodes' supervisor: our own program, no dependencies (see main.go).
module lifeboat.test/harness/supervisor

go 1.24.0
