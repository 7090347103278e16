package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes cmd's process get SIGTERM when this one dies, however
// it dies: a bench killed by a closed pipe or ^C must not leave worker
// processes behind, spinning against a dropped schema.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
