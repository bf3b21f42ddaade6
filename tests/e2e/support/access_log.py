"""Reading the gateway's access log from the local D1 database.

It asks wrangler (`d1 execute --local --persist-to ... --json`), the way a person would, so
it reads what the Worker wrote through its binding. Rows are written after the response (in
waitUntil), so lookups poll until the expected rows are there.
"""

import json
import subprocess

from . import processes
from .polling import wait_until

DATABASE = "organized-gateway-db"


def sql_literal(value):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"no SQL literal for {value!r}")
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


class AccessLog:
    def __init__(self, persist_dir, env, table="requests"):
        self.persist_dir = persist_dir
        self.env = env
        self.table = table

    def query(self, sql):
        """The rows of one SQL statement, as dicts."""
        args = ["npx", "wrangler", "d1", "execute", DATABASE, "--local",
                "--persist-to", str(self.persist_dir), "--json", "--command", sql]
        done = subprocess.run(args, cwd=processes.ROOT, env=self.env, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"d1 execute failed ({sql}):\n{done.stdout.decode()}"
                               f"{done.stderr.decode()}")
        return json.loads(done.stdout)[0]["results"]

    def in_table(self, table):
        """The log in another table of the same local database."""
        return AccessLog(self.persist_dir, self.env, table)

    def last_id(self):
        """The newest row's id (0 when empty): rows after it are the ones a test causes."""
        rows = self.query(f"SELECT COALESCE(MAX(id), 0) AS id FROM {self.table}")
        return rows[0]["id"]

    def rows(self, after_id=0, **equal):
        """The rows with id > after_id whose columns equal the given values, oldest first."""
        where = [f"id > {int(after_id)}"]
        where += [f"{column} = {sql_literal(value)}" for column, value in equal.items()]
        return self.query(f"SELECT * FROM {self.table} WHERE {' AND '.join(where)} ORDER BY id")

    def wait_for_rows(self, count=1, timeout=30, after_id=0, **equal):
        """Polls until at least `count` such rows exist and returns them."""
        def enough():
            rows = self.rows(after_id, **equal)
            return rows if len(rows) >= count else None

        what = f"{count} row(s) in {self.table} with {equal}, id > {after_id}"
        return wait_until(enough, timeout, what, interval=0.5)
