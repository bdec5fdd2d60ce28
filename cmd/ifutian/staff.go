package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/futian/ifutian/residents"
	"github.com/futian/ifutian/staff"
)

// staffCommand runs `ifutian staff add --username U --roles r1,r2
// [--department ID|name] [--streets s1,s2]`, reading the password from the
// first line of stdin so it never appears in the process list or history.
func staffCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: ifutian staff add --username U --roles r1,r2 [--department ID|name] [--streets s1,s2] < password")
	}
	fs := flag.NewFlagSet("staff add", flag.ContinueOnError)
	username := fs.String("username", "", "login name (required)")
	roles := fs.String("roles", "", "comma-separated roles: "+rolesList())
	dept := fs.String("department", "", "department ID or name; created if a name is new")
	streets := fs.String("streets", "", "comma-separated street scope (default: all streets)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")

	gdb, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	sqlDB, _ := gdb.DB()
	defer sqlDB.Close()
	regions, err := residents.LoadRegions()
	if err != nil {
		return err
	}
	svc := staff.New(staff.Deps{DB: gdb})
	n := staff.NewMember{Username: *username, Password: password, Roles: splitList[staff.Role](*roles), Streets: splitList[string](*streets)}
	if *dept != "" {
		id, err := departmentID(ctx, svc, *dept)
		if err != nil {
			return err
		}
		n.DepartmentID = &id
	}
	m, err := svc.Create(ctx, nil, n, regions.IsStreet)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created staff %s (id %d, roles %v)\n", m.Username, m.ID, m.Roles)
	return nil
}

// departmentID resolves a department by ID or name, creating a new name.
func departmentID(ctx context.Context, svc *staff.Service, v string) (int64, error) {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		return id, nil
	}
	ds, err := svc.FindDepartments(ctx)
	if err != nil {
		return 0, err
	}
	for _, d := range ds {
		if d.Name == v {
			return d.ID, nil
		}
	}
	d, err := svc.CreateDepartment(ctx, v)
	if err != nil {
		return 0, err
	}
	return d.ID, nil
}

func splitList[T ~string](s string) []T {
	var out []T
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, T(p))
		}
	}
	return out
}

func rolesList() string {
	var rs []string
	for _, r := range staff.Roles {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ", ")
}
