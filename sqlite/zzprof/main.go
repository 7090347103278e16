package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/communique-news/communique/sqlite"
	"github.com/communique-news/communique/sqlite/searchbench"
	_ "modernc.org/sqlite"
)

func main() {
	ctx := context.Background()
	path := os.Args[1]
	if _, err := os.Stat(path); err != nil {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			panic(err)
		}
		g := searchbench.NewGenerator(1)
		d, err := searchbench.Load(ctx, db, g, 20000, 1000, os.Stderr)
		fmt.Println(d, err)
		db.Optimize(ctx)
		db.Checkpoint(ctx)
		db.Close()
	}
	raw, _ := sql.Open("sqlite", sqlite.DSN(path))
	for _, q := range os.Args[2:] {
		start := time.Now()
		rows, err := raw.Query(q)
		if err != nil {
			fmt.Println(err)
			continue
		}
		n := 0
		var first []any
		cols, _ := rows.Columns()
		for rows.Next() {
			if n == 0 {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				rows.Scan(ptrs...)
				first = vals
			}
			n++
		}
		rows.Close()
		fmt.Printf("%8.2f ms  %d rows  first %v  %s\n", float64(time.Since(start).Microseconds())/1000, n, first, q)
	}
}
