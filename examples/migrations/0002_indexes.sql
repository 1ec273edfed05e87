CREATE INDEX idx_sessions_parent_session ON sessions(parent_session_id);
CREATE INDEX idx_task_queue_status_priority ON task_queue(status, priority, created_at);
CREATE INDEX idx_trace_sessions_uid ON trace_sessions(session_uid);
CREATE INDEX idx_trace_sessions_trace ON trace_sessions(trace_id);
CREATE INDEX idx_traces_created_at ON traces(created_at);
