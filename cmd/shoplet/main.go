// Command shoplet runs the Shoplet platform: the API server, the background
// worker, migrations and operator administration, from one binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shoplet:", err)
		stop()
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a command line shoplet does not accept (as flag and
// most Unix tools do), 1 for any other failure.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.As(err, new(usageError)):
		return 2
	}
	return 1
}
