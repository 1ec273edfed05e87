"""Background jobs over the same database: the workload findings. Run: planlens check examples"""
import sqlite3

from store import Store


def resume_sessions(store: Store, session_ids):
    # n-plus-one: one primary-key query per id, through Store.get_session.
    return [store.get_session(session_id) for session_id in session_ids]


def record_traces(conn: sqlite3.Connection, traces):
    # write-in-loop: one INSERT (and, in autocommit, one transaction and fsync) per trace.
    for trace in traces:
        conn.execute(
            "INSERT INTO traces (id, namespace, data, created_at) VALUES (?, ?, ?, ?)",
            (trace["id"], trace["namespace"], trace["data"], trace["created_at"]),
        )


def session_stats(conn: sqlite3.Connection):
    # count-aggregation: two scans of sessions where one query with COUNT(CASE …) does.
    return {
        "active": conn.execute("SELECT COUNT(*) FROM sessions WHERE archived = 0").fetchone()[0],
        "archived": conn.execute("SELECT COUNT(*) FROM sessions WHERE archived = 1").fetchone()[0],
    }
