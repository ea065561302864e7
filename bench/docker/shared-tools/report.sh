#!/bin/sh
# A small report: a table in SQLite, printed as JSON through jq.
set -e
sqlite3 /tmp/r.db "create table t(name text, n int); insert into t values ('a', 1), ('b', 2);"
sqlite3 -json /tmp/r.db "select * from t" | jq -c '.[]'
