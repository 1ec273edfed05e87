CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    parent_session_id TEXT,
    title TEXT,
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE task_queue (
    id INTEGER PRIMARY KEY,
    task_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    priority INTEGER NOT NULL DEFAULT 0,
    assigned_worker TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE traces (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE trace_sessions (
    trace_id TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
    session_uid TEXT NOT NULL,
    PRIMARY KEY (trace_id, session_uid)
);

CREATE TABLE feature_flags (name TEXT PRIMARY KEY, enabled INTEGER NOT NULL, owner TEXT);
