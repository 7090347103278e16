//go:build !linux

package main

import "os/exec"

// dieWithParent is a no-op where the kernel offers no parent-death signal;
// the bench stops its workers when it returns.
func dieWithParent(cmd *exec.Cmd) {}
