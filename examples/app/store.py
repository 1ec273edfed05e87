"""A small app on SQLite that shows every PlanLens finding. Run: planlens check examples"""
import sqlite3


class Store:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path)

    def count_children(self, parent_session_id: str) -> int:
        # incomplete-index: the parent index is used, archived is checked row by row (seed 000).
        row = self.conn.execute(
            "SELECT COUNT(*) FROM sessions WHERE parent_session_id = ? AND archived = 0",
            (parent_session_id,),
        ).fetchone()
        return row[0]

    def next_tasks(self):
        # temp-sort: the all-ascending index still sorts for priority DESC (seed 001).
        return self.conn.execute(
            """
            SELECT * FROM task_queue
            WHERE status = 'pending'
            ORDER BY priority DESC, created_at ASC
            LIMIT 50
            """
        ).fetchall()

    def tasks_of_worker(self, worker: str):
        # missing-index: nothing indexes assigned_worker.
        return self.conn.execute(
            "SELECT id, status FROM task_queue WHERE assigned_worker = :worker", {"worker": worker}
        ).fetchall()

    def recent_traces(self, session_uid: str, since: float):
        # temp-sort without a single-index fix: filter and ORDER BY sit in different tables (seed 004).
        return self.conn.execute(
            """
            SELECT t.* FROM traces t
            INNER JOIN trace_sessions ts ON t.id = ts.trace_id
            WHERE ts.session_uid = ? AND t.created_at >= ?
            ORDER BY t.created_at DESC
            """,
            (session_uid, since),
        ).fetchall()

    def session_title(self, session_id: str):
        # sql-error: the column is called title.
        return self.conn.execute("SELECT titel FROM sessions WHERE id = ?", (session_id,)).fetchone()

    def flags_of(self, owner: str):
        # Silent: feature_flags is listed in smallTables.
        return self.conn.execute("SELECT name FROM feature_flags WHERE owner = ?", (owner,)).fetchall()

    def get_session(self, session_id: str):
        # Silent: primary-key lookup.
        return self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
