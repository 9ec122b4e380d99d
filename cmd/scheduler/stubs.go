package main

import (
	"context"
	"errors"
	"io"
)

func runDemo(ctx context.Context, args []string, stdout io.Writer) error    { return errors.New("todo") }
func runSandbox(ctx context.Context, args []string, stdout io.Writer) error { return errors.New("todo") }
